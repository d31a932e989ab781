import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeConfig } from "./describe-config.js";
import { loadConfig } from "./load-config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "arcade-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const load = (env: Record<string, string>) => loadConfig({ env, cwd: dir });
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const line = (id: string, key: Buffer) => `${id}:${key.toString("base64")}`;

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("secrets keys", () => {
  it("none by default: no keys, no active key", () => {
    expect(load({}).secrets).toEqual({ keys: [], activeKey: "" });
  });

  it("from ARCADE_SECRETS_KEYS (a comma list), base64 or base64url", () => {
    const config = load({
      ARCADE_SECRETS_KEYS: `${line("k1", k1)}, k2:${k2.toString("base64url")}`,
      ARCADE_SECRETS_ACTIVE_KEY: "k2",
    });
    expect(config.secrets.activeKey).toBe("k2");
    expect(config.secrets.keys.map((k) => [k.id, k.secret.equals(k1) || k.secret.equals(k2)])).toEqual([
      ["k1", true],
      ["k2", true],
    ]);
  });

  it("from a keys file relative to the config file, merged with the list", () => {
    writeFileSync(join(dir, "keys"), `# rotation 2026\n${line("k1", k1)}\n\n${line("k2", k2)}\n`, {
      mode: 0o600,
    });
    writeFileSync(join(dir, "arcade.toml"), `[secrets]\nkeys_file = "keys"\nactive_key = "k1"\n`);
    const config = load({ ARCADE_SECRETS_KEYS: line("k1", k1) });
    expect(config.secrets.keysFile).toBe(join(dir, "keys"));
    expect(config.secrets.keys.map((k) => k.id)).toEqual(["k1", "k2"]);
    expect(config.warnings.join("\n")).not.toContain("keys_file");
  });

  it("warns about keys written into the config file itself", () => {
    writeFileSync(join(dir, "arcade.toml"), `[secrets]\nkeys = ["${line("k1", k1)}"]\nactive_key = "k1"\n`);
    expect(load({}).warnings.join("\n")).toContain("secrets.keys holds keys in the config file");
    expect(load({ ARCADE_SECRETS_KEYS: line("k1", k1) }).warnings.join("\n")).not.toContain("secrets.keys");
  });

  it("warns about a keys file other users can read", () => {
    writeFileSync(join(dir, "keys"), `${line("k1", k1)}\n`);
    chmodSync(join(dir, "keys"), 0o644);
    const config = load({ ARCADE_SECRETS_KEYS_FILE: join(dir, "keys"), ARCADE_SECRETS_ACTIVE_KEY: "k1" });
    expect(config.warnings.join("\n")).toContain("chmod 600");
  });

  it("refuses a missing keys file", () => {
    expect(
      messageOf(() => load({ ARCADE_SECRETS_KEYS_FILE: join(dir, "nope"), ARCADE_SECRETS_ACTIVE_KEY: "k1" })),
    ).toContain("(secrets.keys_file): must be a readable file of key lines (ENOENT)");
  });

  it("refuses keys of the wrong size or id, without quoting the key", () => {
    const short = randomBytes(16).toString("base64");
    const message = messageOf(() =>
      load({
        ARCADE_SECRETS_KEYS: `k1:${short},bad id:${k1.toString("base64")},nocolon`,
        ARCADE_SECRETS_ACTIVE_KEY: "k1",
      }),
    );
    expect(message).toContain("secrets.keys[0]");
    expect(message).toContain("32 bytes in base64");
    expect(message).toContain("secrets.keys[1]");
    expect(message).toContain("a key id of 1 to 64 letters");
    expect(message).toContain("secrets.keys[2]");
    expect(message).not.toContain(short);
    expect(message).not.toContain(k1.toString("base64"));
  });

  it("refuses a bad line in the keys file, naming the line and not the key", () => {
    const short = randomBytes(8).toString("base64");
    writeFileSync(join(dir, "keys"), `${line("k1", k1)}\nk2:${short}\n`, { mode: 0o600 });
    const message = messageOf(() =>
      load({ ARCADE_SECRETS_KEYS_FILE: join(dir, "keys"), ARCADE_SECRETS_ACTIVE_KEY: "k1" }),
    );
    expect(message).toContain("line 2");
    expect(message).not.toContain(short);
  });

  it("refuses one id with two keys", () => {
    expect(
      messageOf(() =>
        load({ ARCADE_SECRETS_KEYS: `${line("k1", k1)},${line("k1", k2)}`, ARCADE_SECRETS_ACTIVE_KEY: "k1" }),
      ),
    ).toContain("a key id that no other key has (k1)");
  });

  it("needs an active key once a key is listed, and it must be a listed one", () => {
    expect(messageOf(() => load({ ARCADE_SECRETS_KEYS: line("k1", k1) }))).toContain(
      "secrets.active_key is missing (ARCADE_SECRETS_ACTIVE_KEY): must be set to the key new secrets are encrypted with: one of k1",
    );
    expect(
      messageOf(() => load({ ARCADE_SECRETS_KEYS: line("k1", k1), ARCADE_SECRETS_ACTIVE_KEY: "k9" })),
    ).toContain("must be one of the listed key ids: k1");
    expect(messageOf(() => load({ ARCADE_SECRETS_ACTIVE_KEY: "k1" }))).toContain("(none is listed)");
    expect(messageOf(() => load({ ARCADE_SECRETS_ACTIVE_KEY: "a:b" }))).toContain("secrets.active_key");
  });

  it("shows key ids only in the start-up summary", () => {
    const config = load({
      ARCADE_SECRETS_KEYS: `${line("k1", k1)},${line("k2", k2)}`,
      ARCADE_SECRETS_ACTIVE_KEY: "k2",
    });
    const summary = describeConfig(config);
    expect(summary.keyring).toEqual({ keys: ["k1", "k2"], activeKey: "k2" });
    const text = JSON.stringify(summary);
    for (const key of [k1, k2]) {
      expect(text).not.toContain(key.toString("base64"));
      expect(text).not.toContain(key.toString("hex"));
    }
  });
});
