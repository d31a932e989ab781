import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BOOTSTRAP_TOKEN_NAME, sha256Hex } from "./auth-tokens.js";
import { loadConfig } from "./load-config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "arcade-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeToml(text: string): string {
  const file = join(dir, "arcade.toml");
  writeFileSync(file, text);
  return file;
}

const ADMIN = "bootstrap-admin-token-0123456789";

describe("ARCADE_ADMIN_TOKEN", () => {
  it("adds an admin token named bootstrap, kept only as its SHA-256", () => {
    const config = loadConfig({ env: { ARCADE_ADMIN_TOKEN: ADMIN }, cwd: dir });
    const expected = createHash("sha256").update(ADMIN).digest("hex");
    expect(config.auth.tokens).toEqual([
      { name: BOOTSTRAP_TOKEN_NAME, role: "admin", tokenSha256: expected },
    ]);
    expect(JSON.stringify(config)).not.toContain(ADMIN);
    expect(config.warnings).toEqual([]);
  });

  it("replaces a file token of the same name and keeps the others", () => {
    writeToml(
      `[[auth.tokens]]\nname = "bootstrap"\nrole = "viewer"\ntoken_sha256 = "${"1".repeat(64)}"\n` +
        `[[auth.tokens]]\nname = "ci"\nrole = "operator"\ntoken_sha256 = "${"2".repeat(64)}"\n`,
    );
    const config = loadConfig({ env: { ARCADE_ADMIN_TOKEN: ADMIN }, cwd: dir });
    expect(config.auth.tokens.map((t) => [t.name, t.role])).toEqual([
      ["ci", "operator"],
      ["bootstrap", "admin"],
    ]);
  });

  it("warns when it is short", () => {
    const config = loadConfig({ env: { ARCADE_ADMIN_TOKEN: "abc" }, cwd: dir });
    expect(config.auth.tokens[0]?.tokenSha256).toBe(sha256Hex("abc"));
    expect(config.warnings).toEqual(["ARCADE_ADMIN_TOKEN is shorter than 16 characters: easy to guess"]);
  });

  it("empty means unset", () => {
    const config = loadConfig({ env: { ARCADE_ADMIN_TOKEN: "" }, cwd: dir });
    expect(config.auth.tokens).toEqual([]);
    expect(config.warnings).toEqual([
      "auth is on but no token is configured: add [[auth.tokens]] or set ARCADE_ADMIN_TOKEN",
    ]);
  });
});

describe("[[auth.tokens]]", () => {
  it("stores hashes in lower case", () => {
    writeToml(`[[auth.tokens]]\nname = "ops"\nrole = "admin"\ntoken_sha256 = "${"AbC1".repeat(16)}"\n`);
    expect(loadConfig({ env: {}, cwd: dir }).auth.tokens).toEqual([
      { name: "ops", role: "admin", tokenSha256: "abc1".repeat(16) },
    ]);
  });

  it("accepts a plain token, hashes it and warns", () => {
    const file = writeToml(
      '[[auth.tokens]]\nname = "dev"\nrole = "viewer"\ntoken = "plain-token-value-123"\n',
    );
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.auth.tokens).toEqual([
      { name: "dev", role: "viewer", tokenSha256: sha256Hex("plain-token-value-123") },
    ]);
    expect(JSON.stringify(config)).not.toContain("plain-token-value-123");
    expect(config.warnings).toEqual([
      `auth.tokens[0] ("dev") holds a plain token in ${file}; store its SHA-256 as token_sha256 instead (printf %s "$TOKEN" | sha256sum)`,
    ]);
  });

  it("needs exactly one of token and token_sha256", () => {
    const file = writeToml(
      `[[auth.tokens]]\nname = "a"\nrole = "viewer"\n` +
        `[[auth.tokens]]\nname = "b"\nrole = "viewer"\ntoken = "secret-value-1234567"\ntoken_sha256 = "${"0".repeat(64)}"\n`,
    );
    let message = "";
    try {
      loadConfig({ env: {}, cwd: dir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split("\n")).toEqual([
      `auth.tokens[0].token_sha256 is missing (ARCADE_AUTH_TOKENS) in ${file}: must be set (or token, the plain form)`,
      `auth.tokens[1].token=<hidden> (ARCADE_AUTH_TOKENS) in ${file}: must be left out when token_sha256 is set`,
    ]);
    expect(message).not.toContain("secret-value");
  });

  it("needs a name and a known role", () => {
    const file = writeToml(`[[auth.tokens]]\nrole = "root"\ntoken_sha256 = "${"0".repeat(64)}"\n`);
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      `auth.tokens[0].name is missing (ARCADE_AUTH_TOKENS) in ${file}: must be a name of 1 to 64 letters`,
    );
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      `auth.tokens[0].role="root" (ARCADE_AUTH_TOKENS) in ${file}: must be one of "metrics", "viewer", "operator", "admin"`,
    );
  });

  it("refuses two tokens with one name", () => {
    const hash = "0".repeat(64);
    const file = writeToml(
      `[[auth.tokens]]\nname = "a"\nrole = "viewer"\ntoken_sha256 = "${hash}"\n` +
        `[[auth.tokens]]\nname = "a"\nrole = "admin"\ntoken_sha256 = "${hash}"\n`,
    );
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      `auth.tokens[1].name="a" (ARCADE_AUTH_TOKENS) in ${file}: must be a name that no other token has`,
    );
  });
});

describe("[[signature.trusted_keys]]", () => {
  it("accepts PEM and raw base64 and hands both on as SPKI PEM", () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64");
    writeToml(
      `[[signature.trusted_keys]]\nid = "pem"\npublic_key = """\n${pem}"""\n` +
        `[[signature.trusted_keys]]\nid = "raw"\npublic_key = "${raw}"\n`,
    );
    const { trustedKeys } = loadConfig({ env: {}, cwd: dir }).signature;
    expect(trustedKeys).toEqual([
      { id: "pem", publicKey: pem, source: "file" },
      { id: "raw", publicKey: pem, source: "file" },
    ]);
  });

  it("refuses a key of another type", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    writeToml(`[[signature.trusted_keys]]\nid = "ec"\npublic_key = """\n${pem}"""\n`);
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      /signature\.trusted_keys\[0\]\.public_key=.* must be an ed25519 public key/,
    );
  });
});
