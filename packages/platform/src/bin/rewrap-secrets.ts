/**
 * `rewrap-secrets [--dry-run]` (`npm run rewrap-secrets -- ...` from the repository root): key
 * rotation's step 3 (docs/secrets.md). Reads the configuration like the platform (arcade.toml,
 * ARCADE_* variables), moves every stored plugin config secret under secrets.active_key, and
 * says which keys the stored secrets still use. Exit codes: 0 done, 1 failed, 2 bad arguments
 * or configuration (no active key).
 */
import { loadConfig } from "@arcade/config";
import { isAppError } from "@arcade/core";
import { openDatabase } from "@arcade/db";
import { configSecretCipher } from "../config-secrets.js";
import { databaseOptions } from "../database-options.js";
import { rewrapStoredSecrets } from "../rewrap-secrets.js";

const say = (line: string) => console.log(`rewrap-secrets: ${line}`);
const USAGE = "usage: rewrap-secrets [--dry-run]   (reads arcade.toml and ARCADE_* like the platform)";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter((a) => a !== "--dry-run");
  if (unknown.length > 0) {
    console.error(`rewrap-secrets: unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const dryRun = args.includes("--dry-run");
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(`rewrap-secrets: ${(error as Error).message}`);
    return 2;
  }
  const cipher = configSecretCipher(config);
  if (!cipher?.keyring.canEncrypt) {
    console.error(
      "rewrap-secrets: no active secret key: set secrets.keys (or secrets.keys_file) and secrets.active_key as the platform's processes have them",
    );
    return 2;
  }
  say(`${dryRun ? "dry run: " : ""}moving stored config secrets under key ${cipher.keyring.activeKeyId}`);
  const options = databaseOptions(config);
  const db = await openDatabase(options.type === "mysql" ? { ...options, poolSize: 2 } : options);
  try {
    const report = await rewrapStoredSecrets(db.plugins, cipher, { dryRun });
    say(`${report.checked} stored configs with secret fields`);
    for (const id of report.rewrapped) say(`${dryRun ? "would rewrap" : "rewrapped"} ${id}`);
    const keys = Object.entries(report.keysInUse).map(([id, n]) => `${id} (${n})`);
    say(`keys in use by stored secrets: ${keys.length > 0 ? keys.join(", ") : "none"}`);
    if (report.inClear > 0) say(`${report.inClear} configs still hold a secret in clear`);
    const retirable = cipher.keyring.keyIds.filter((id) => !(id in report.keysInUse));
    if (!dryRun && retirable.length > 0) say(`no stored secret uses ${retirable.join(", ")}: safe to retire`);
    return 0;
  } catch (error) {
    console.error(
      `rewrap-secrets: failed: ${isAppError(error) ? `${error.code}: ${error.message}` : String(error)}`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`rewrap-secrets: ${String(error)}`);
    process.exit(1);
  },
);
