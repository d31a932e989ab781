import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeConfig } from "./describe-config.js";
import { loadConfig } from "./load-config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "arcade-trusted-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function newKey(): { raw: string; pem: string } {
  const { publicKey } = generateKeyPairSync("ed25519");
  return {
    raw: Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64"),
    pem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

function toml(entries: { id: string; public_key: string }[]): string {
  return entries
    .map((e) => `[[signature.trusted_keys]]\nid = "${e.id}"\npublic_key = "${e.public_key}"\n`)
    .join("");
}

describe("trusted keys from arcade.toml and ARCADE_SIGNATURE_TRUSTED_KEYS", () => {
  it("are merged: the env adds keys to the file's list instead of replacing it", () => {
    const a = newKey();
    const b = newKey();
    writeFileSync(join(dir, "arcade.toml"), toml([{ id: "publisher", public_key: a.raw }]));
    const config = loadConfig({
      env: { ARCADE_SIGNATURE_TRUSTED_KEYS: JSON.stringify([{ id: "market", public_key: b.raw }]) },
      cwd: dir,
    });
    expect(config.signature.trustedKeys).toEqual([
      { id: "publisher", publicKey: a.pem, source: "file" },
      { id: "market", publicKey: b.pem, source: "env" },
    ]);
    // The start log names both sources.
    expect((describeConfig(config).signature as { trustedKeys: string[] }).trustedKeys).toEqual([
      "publisher (file)",
      "market (ARCADE_SIGNATURE_TRUSTED_KEYS)",
    ]);
  });

  it("keep one copy of a key listed in both places", () => {
    const a = newKey();
    writeFileSync(join(dir, "arcade.toml"), toml([{ id: "same", public_key: a.raw }]));
    const config = loadConfig({
      env: { ARCADE_SIGNATURE_TRUSTED_KEYS: JSON.stringify([{ id: "same", public_key: a.pem }]) },
      cwd: dir,
    });
    expect(config.signature.trustedKeys).toEqual([{ id: "same", publicKey: a.pem, source: "file" }]);
  });

  it("refuse one id with two different public keys, naming both places", () => {
    writeFileSync(join(dir, "arcade.toml"), toml([{ id: "k", public_key: newKey().raw }]));
    expect(() =>
      loadConfig({
        env: { ARCADE_SIGNATURE_TRUSTED_KEYS: JSON.stringify([{ id: "k", public_key: newKey().raw }]) },
        cwd: dir,
      }),
    ).toThrow(
      /ARCADE_SIGNATURE_TRUSTED_KEYS.*signature\.trusted_keys\[0\]\.id.*arcade\.toml with another public key/,
    );
  });

  it("still check the file's keys when the env sets some, blaming the file", () => {
    writeFileSync(join(dir, "arcade.toml"), toml([{ id: "bad", public_key: "AAAA" }]));
    expect(() =>
      loadConfig({
        env: { ARCADE_SIGNATURE_TRUSTED_KEYS: JSON.stringify([{ id: "m", public_key: newKey().raw }]) },
        cwd: dir,
      }),
    ).toThrow(
      /^signature\.trusted_keys\[0\]\.public_key="AAAA" in .*arcade\.toml: must be an ed25519 public key/m,
    );
  });
});

describe("the default data_dir", () => {
  it("is ./.data of the working directory even when the config file lives elsewhere", () => {
    const etc = join(dir, "etc");
    mkdirSync(etc);
    writeFileSync(join(etc, "arcade.toml"), "[server]\nport = 8081\n");
    const config = loadConfig({ env: { ARCADE_CONFIG: join(etc, "arcade.toml") }, cwd: dir });
    expect(config.server.dataDir).toBe(join(dir, ".data"));
    expect(config.database.sqlitePath).toBe(join(dir, ".data", "arcade.db"));
    expect(config.storage.fsRoot).toBe(join(dir, ".data", "objects"));
  });

  it("written in the file stays relative to the file's folder", () => {
    const etc = join(dir, "etc");
    mkdirSync(etc);
    writeFileSync(join(etc, "arcade.toml"), '[server]\ndata_dir = "state"\n');
    const config = loadConfig({ env: { ARCADE_CONFIG: join(etc, "arcade.toml") }, cwd: dir });
    expect(config.server.dataDir).toBe(join(etc, "state"));
  });
});
