import { readFileSync, statSync } from "node:fs";
import type { SecretKey, SecretsConfig } from "./arcade-config.js";
import type { ConfigIssue } from "./config-error.js";
import type { ConfigOrigins } from "./config-origins.js";
import type { FileConfig } from "./file-schema.js";

/** Key ids appear in every ciphertext (`arcade:enc:v1:<id>:...`): no `:`, short. */
export const SECRET_KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** AES-256: 32 bytes. */
export const SECRET_KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const LINE_FORMAT = `"<id>:<base64 of ${SECRET_KEY_BYTES} random bytes>" (e.g. from \`openssl rand -base64 32\`), the id of 1 to 64 letters, digits, _, . or -`;

/** `id:base64` -> a key, or why not (never quoting the key). */
function parseKeyLine(line: string): SecretKey | string {
  const colon = line.indexOf(":");
  if (colon < 0) return `"<id>:<base64 key>" (no ":" found)`;
  const id = line.slice(0, colon).trim();
  const encoded = line.slice(colon + 1).trim();
  if (!SECRET_KEY_ID.test(id))
    return `a key id of 1 to 64 letters, digits, _, . or - (not ${JSON.stringify(id.slice(0, 70))})`;
  const secret = BASE64.test(encoded)
    ? Buffer.from(encoded, encoded.includes("-") || encoded.includes("_") ? "base64url" : "base64")
    : undefined;
  if (secret?.length !== SECRET_KEY_BYTES) {
    return `${SECRET_KEY_BYTES} bytes in base64 for key "${id}" (${secret ? `${secret.length} bytes` : "not base64"})`;
  }
  return { id, secret };
}

/**
 * The key-encryption keys of config secrets (@arcade/secrets): the `secrets.keys` list
 * (`ARCADE_SECRETS_KEYS`, a comma list) and the lines of `secrets.keys_file`, merged (a key
 * is added to either during a rotation), one id per key. `secrets.active_key` names the key new
 * values are encrypted with; it must be one of them, and is required once any key is listed.
 * Read at start, so a missing file or a bad key stops the process with the reason, before
 * anything is encrypted with the wrong key.
 */
export function resolveSecretKeys(
  raw: FileConfig["secrets"],
  keysFile: string | undefined,
  origins: ConfigOrigins,
): { secrets: SecretsConfig; issues: ConfigIssue[]; warnings: string[] } {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const keys: SecretKey[] = [];
  const add = (key: SecretKey, blame: () => ConfigIssue) => {
    const seen = keys.find((k) => k.id === key.id);
    if (!seen) keys.push(key);
    else if (!seen.secret.equals(key.secret)) issues.push(blame());
  };

  if (raw.keys.length > 0 && origins.sourceOf("secrets", "keys") === "file") {
    warnings.push(
      `secrets.keys holds keys in the config file${origins.where}, which is often copied and committed; keep them in secrets.keys_file (mode 600) or ARCADE_SECRETS_KEYS`,
    );
  }
  raw.keys.forEach((line, i) => {
    const key = parseKeyLine(line);
    if (typeof key === "string") issues.push(origins.issue(["secrets", "keys", i], key, { secret: true }));
    else
      add(key, () =>
        origins.issue(["secrets", "keys", i], `a key id that no other key has (${key.id})`, { secret: true }),
      );
  });

  if (keysFile !== undefined) {
    const fileIssue = (allowed: string) => origins.issue(["secrets", "keys_file"], allowed);
    try {
      const mode = statSync(keysFile).mode;
      if ((mode & 0o077) !== 0) {
        warnings.push(
          `secrets.keys_file ${keysFile} can be read by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it`,
        );
      }
      readFileSync(keysFile, "utf8")
        .split(/\r?\n/)
        .forEach((text, n) => {
          const line = text.trim();
          if (line === "" || line.startsWith("#")) return;
          const key = parseKeyLine(line);
          if (typeof key === "string")
            issues.push(fileIssue(`a file of lines ${LINE_FORMAT}; line ${n + 1} is not: it must be ${key}`));
          else
            add(key, () =>
              fileIssue(`a file whose key ids are unique: line ${n + 1} gives "${key.id}" another key`),
            );
        });
    } catch (error) {
      issues.push(
        fileIssue(
          `a readable file of key lines (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        ),
      );
    }
  }

  const activeKey = raw.active_key;
  const ids = keys.map((k) => k.id);
  if (activeKey !== "" && !ids.includes(activeKey)) {
    issues.push(
      origins.issue(
        ["secrets", "active_key"],
        ids.length === 0
          ? "the id of a key in secrets.keys or secrets.keys_file (none is listed)"
          : `one of the listed key ids: ${ids.join(", ")}`,
      ),
    );
  } else if (activeKey === "" && keys.length > 0) {
    issues.push(
      origins.issue(
        ["secrets", "active_key"],
        `set to the key new secrets are encrypted with: one of ${ids.join(", ")}`,
        {
          missing: true,
        },
      ),
    );
  }
  return {
    secrets: { ...(keysFile !== undefined ? { keysFile } : {}), keys, activeKey },
    issues,
    warnings,
  };
}
