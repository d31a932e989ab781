import { pack } from "../pack/pack.js";
import { spellCommands } from "./command-name.js";
import { humanSize, shown } from "./report.js";

export interface PackCommandOptions {
  out?: string;
  sign?: string;
  keyId?: string;
  setVersion?: string;
}

export async function runPack(dir: string, opts: PackCommandOptions): Promise<void> {
  if (opts.keyId !== undefined && opts.sign === undefined) {
    throw new Error("--key-id needs --sign <key.pem>: pass the private key to sign with");
  }
  const result = await pack({
    dir,
    ...(opts.out === undefined ? {} : { outFile: opts.out }),
    ...(opts.setVersion === undefined ? {} : { setVersion: opts.setVersion }),
    ...(opts.sign === undefined
      ? {}
      : { signWith: { keyFile: opts.sign, ...(opts.keyId === undefined ? {} : { keyId: opts.keyId }) } }),
  });
  const { manifest } = result;
  console.log(`packed ${manifest.name} ${manifest.version} (${manifest.pluginType})`);
  console.log(`  file    ${shown(result.file)}  ${humanSize(result.size)}, ${result.files.length} files`);
  console.log(`  sha256  ${result.sha256}`);
  if (result.signature && result.signatureFile) {
    console.log(`  signed  key ${result.signature.keyId} -> ${shown(result.signatureFile)}`);
  }
  console.log(
    spellCommands(`next: install it with \`arcade-plugins install ${shown(result.file)}\` `) +
      `(or POST /api/v1/plugins/install, multipart source=local file=@${shown(result.file)})` +
      (result.signature ? ` and its signature (the platform must trust key ${result.signature.keyId})` : ""),
  );
}
