import { access, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateSigningKey } from "../pack/signing.js";
import { spellCommands } from "./command-name.js";
import { shown } from "./report.js";

export interface KeygenOptions {
  force?: boolean;
  /** Print only the ARCADE_SIGNATURE_TRUSTED_KEYS value (a JSON array with this key) on stdout. */
  json?: boolean;
  /** Print only the [[signature.trusted_keys]] table for arcade.toml on stdout. */
  toml?: boolean;
}

export async function runKeygen(prefix: string, opts: KeygenOptions): Promise<void> {
  if (opts.json && opts.toml) throw new Error("pass --json or --toml, not both");
  const privateFile = path.resolve(`${prefix}.key.pem`);
  const publicFile = path.resolve(`${prefix}.pub.pem`);
  if (!opts.force) {
    for (const file of [privateFile, publicFile]) {
      const exists = await access(file).then(
        () => true,
        () => false,
      );
      if (exists)
        throw new Error(
          `${shown(file)} already exists: choose another prefix, or pass --force to replace it`,
        );
    }
  }
  const key = generateSigningKey();
  await mkdir(path.dirname(privateFile), { recursive: true });
  await writeFile(privateFile, key.privateKeyPem, { mode: 0o600 });
  await writeFile(publicFile, key.publicKeyPem);

  const json = JSON.stringify([{ id: key.keyId, public_key: key.publicKeyBase64 }]);
  const toml = `[[signature.trusted_keys]]\nid = "${key.keyId}"\npublic_key = "${key.publicKeyBase64}"\n`;
  // With --json or --toml, stdout is the one thing a script captures; the rest goes to stderr.
  const say = (line: string) => (opts.json || opts.toml ? console.error : console.log)(spellCommands(line));
  say(`created an ed25519 signing key, id ${key.keyId}`);
  say(`  private  ${shown(privateFile)}  (keep it secret; never commit it)`);
  say(`  public   ${shown(publicFile)}`);
  say("next: sign when packing:");
  say(`  \`arcade-plugin pack <dir> --sign ${shown(privateFile)}\``);
  if (opts.json) {
    process.stdout.write(`${json}\n`);
    return;
  }
  if (opts.toml) {
    process.stdout.write(toml);
    return;
  }
  say("and trust the key on the platform, in arcade.toml (`keygen --toml` prints only these lines):");
  for (const line of toml.trimEnd().split("\n")) say(`  ${line}`);
  say("or in the environment (`keygen --json` prints only the value; it adds to arcade.toml's keys):");
  say(`  ARCADE_SIGNATURE_TRUSTED_KEYS='${json}'`);
}
