import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TSchema } from "@sinclair/typebox";
import { stringify } from "smol-toml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { CONFIG_KEYS, type ConfigKey } from "./config-keys.js";
import { loadConfig } from "./load-config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "arcade-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function captureError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

/** A value the key's schema must refuse, or undefined when the key accepts any string. */
function badValue(schema: TSchema): string | undefined {
  if (schema.type === "integer" || schema.type === "number") return "abc";
  if (schema.type === "boolean") return "maybe";
  if (schema.enum) return "nope";
  if (schema.pattern === "^(?!/)") return "/leading-slash";
  if (schema.pattern) return "bad value!";
  if (schema.type === "string" && (schema.minLength ?? 0) > 0) return "";
  return undefined;
}

const SCALAR_KEYS = CONFIG_KEYS.filter((k) => k.schema.type !== "array" && badValue(k.schema) !== undefined);

function shown(key: ConfigKey, value: string): string {
  return key.schema.secret ? "<hidden>" : JSON.stringify(value);
}

describe("a bad value names the key in both spellings, the value and what is allowed", () => {
  it("as in the contract example", () => {
    expect(() => loadConfig({ env: { ARCADE_SERVER_PORT: "abc" }, cwd: dir })).toThrow(
      'ARCADE_SERVER_PORT="abc" (server.port): must be an integer from 1 to 65535',
    );
  });

  it("covers every key that can hold a bad scalar", () => {
    const untestable = CONFIG_KEYS.filter(
      (k) => k.schema.type !== "array" && badValue(k.schema) === undefined,
    );
    // These accept any string at all (secrets.keys_file: a path, checked when it is read).
    expect(untestable.map((k) => k.path).sort()).toEqual([
      "database.password",
      "database.reader_password",
      "market.token",
      "secrets.keys_file",
      "storage.s3_access_key_id",
      "storage.s3_reader_access_key_id",
      "storage.s3_reader_secret_access_key",
      "storage.s3_secret_access_key",
    ]);
  });

  it.each(SCALAR_KEYS.map((k) => [k.env, k]))("from env: %s", (_name, key) => {
    const bad = badValue(key.schema)!;
    const error = captureError(() => loadConfig({ env: { [key.env]: bad }, cwd: dir }));
    expect(error.issues).toHaveLength(1);
    expect(error.message).toBe(
      `${key.env}=${shown(key, bad)} (${key.path}): must be ${key.schema.description}`,
    );
    expect(error.issues[0]).toMatchObject({ key: key.path, env: key.env, source: "env" });
  });

  it.each(SCALAR_KEYS.map((k) => [k.path, k]))("from the file: %s", (_path, key) => {
    const bad = badValue(key.schema)!;
    const file = join(dir, "arcade.toml");
    writeFileSync(file, stringify({ [key.section]: { [key.key]: bad } }));
    const error = captureError(() => loadConfig({ env: {}, cwd: dir }));
    expect(error.message).toBe(
      `${key.path}=${shown(key, bad)} (${key.env}) in ${file}: must be ${key.schema.description}`,
    );
    expect(error.issues[0]).toMatchObject({ key: key.path, env: key.env, source: "file" });
  });

  it("lists every bad key at once", () => {
    const env = Object.fromEntries(SCALAR_KEYS.map((k) => [k.env, badValue(k.schema)!]));
    const error = captureError(() => loadConfig({ env, cwd: dir }));
    expect(error.issues.map((i) => i.key).sort()).toEqual(SCALAR_KEYS.map((k) => k.path).sort());
  });

  it("range errors quote the value as written", () => {
    expect(() => loadConfig({ env: { ARCADE_STORAGE_MULTIPART_PART_SIZE: "1MiB" }, cwd: dir })).toThrow(
      'ARCADE_STORAGE_MULTIPART_PART_SIZE="1MiB" (storage.multipart_part_size): must be a size of at least 5MiB',
    );
    writeFileSync(join(dir, "arcade.toml"), "[server]\nport = 70000\n");
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      "server.port=70000 (ARCADE_SERVER_PORT) in " +
        join(dir, "arcade.toml") +
        ": must be an integer from 1 to 65535",
    );
  });

  it("a crash loop needs at least one crash within at least a second", () => {
    expect(() => loadConfig({ env: { ARCADE_RUNTIME_CRASH_LOOP_MAX: "0" }, cwd: dir })).toThrow(
      "(runtime.crash_loop_max): must be an integer from 1 to 1000",
    );
    expect(() => loadConfig({ env: { ARCADE_RUNTIME_CRASH_LOOP_WINDOW: "500ms" }, cwd: dir })).toThrow(
      "(runtime.crash_loop_window): must be a duration of at least 1s",
    );
  });

  it("a section that is not a table", () => {
    writeFileSync(join(dir, "arcade.toml"), "server = 5\n");
    expect(() => loadConfig({ env: { ARCADE_SERVER_PORT: "1" }, cwd: dir })).toThrow(
      `server=5 in ${join(dir, "arcade.toml")}: must be a table [server]`,
    );
  });
});

describe("arrays", () => {
  it("an item of the wrong shape is named by its index", () => {
    expect(() => loadConfig({ env: { ARCADE_SIGNATURE_REVOKED_KEYS: '["ok", ""]' }, cwd: dir })).toThrow(
      'ARCADE_SIGNATURE_REVOKED_KEYS (signature.revoked_keys[1]=""): must be a non-empty string',
    );
    expect(() =>
      loadConfig({
        env: { ARCADE_AUTH_TOKENS: '[{"name":"a","role":"root","token":"t0k3n-value"}]' },
        cwd: dir,
      }),
    ).toThrow(
      'ARCADE_AUTH_TOKENS (auth.tokens[0].role="root"): must be one of "metrics", "viewer", "operator", "admin"',
    );
  });

  it("a whole auth token item is never quoted: it may hold the token", () => {
    expect(() => loadConfig({ env: { ARCADE_AUTH_TOKENS: '["t0k3n-value"]' }, cwd: dir })).toThrow(
      "ARCADE_AUTH_TOKENS (auth.tokens[0]=<hidden>): must be a table with name, role and token_sha256",
    );
  });

  it("a value that is no array at all is not echoed when it may hold tokens", () => {
    const error = captureError(() =>
      loadConfig({ env: { ARCADE_AUTH_TOKENS: "plain-secret-token" }, cwd: dir }),
    );
    expect(error.message).toBe(
      "ARCADE_AUTH_TOKENS=<hidden> (auth.tokens): must be an array of tables [[auth.tokens]] (in env: a JSON array)",
    );
  });

  it("a bad public key", () => {
    expect(() =>
      loadConfig({ env: { ARCADE_SIGNATURE_TRUSTED_KEYS: '[{"id":"k","public_key":"AAAA"}]' }, cwd: dir }),
    ).toThrow(
      'ARCADE_SIGNATURE_TRUSTED_KEYS (signature.trusted_keys[0].public_key="AAAA"): must be an ed25519 public key: PEM, or 32 raw bytes in base64',
    );
  });
});

describe("secrets never appear in error messages", () => {
  it("a bad database url is hidden", () => {
    const error = captureError(() =>
      loadConfig({ env: { ARCADE_DATABASE_URL: "postgres://u:hunter2@x/db" }, cwd: dir }),
    );
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("ARCADE_DATABASE_URL=<hidden> (database.url)");
  });
});
