import { access, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateSigningKey } from "../pack/signing.js";
import { shown } from "./report.js";

export async function runKeygen(prefix: string, opts: { force?: boolean }): Promise<void> {
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
  console.log(`created an ed25519 signing key, id ${key.keyId}`);
  console.log(`  private  ${shown(privateFile)}  (keep it secret; never commit it)`);
  console.log(`  public   ${shown(publicFile)}`);
  console.log("next: sign when packing:");
  console.log(`  arcade-plugin pack <dir> --sign ${shown(privateFile)} --key-id ${key.keyId}`);
  console.log("and trust the key on the platform (arcade.toml):");
  console.log("  [[signature.trusted_keys]]");
  console.log(`  id = "${key.keyId}"`);
  console.log(`  public_key = "${key.publicKeyBase64}"`);
}
