import { describe, expect, it } from "vitest";
import { describeConfig, REDACTED, redactUrl } from "./describe-config.js";
import { loadConfig } from "./load-config.js";

const SECRETS = {
  ARCADE_DATABASE_URL: "mysql://arcade:db-url-secret@db:3306/arcade",
  ARCADE_DATABASE_PASSWORD: "db-password-secret",
  ARCADE_REDIS_URL: "redis://:redis-secret@cache:6379",
  ARCADE_STORAGE_S3_ACCESS_KEY_ID: "access-key-secret",
  ARCADE_STORAGE_S3_SECRET_ACCESS_KEY: "secret-key-secret",
  ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID: "reader-access-key-secret",
  ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY: "reader-secret-key-secret",
  ARCADE_MARKET_TOKEN: "market-token-secret",
  ARCADE_ADMIN_TOKEN: "admin-token-secret-0123456789",
};

describe("describeConfig", () => {
  const config = loadConfig({
    env: { ...SECRETS, ARCADE_DATABASE_TYPE: "mysql", ARCADE_SERVER_PORT: "9000" },
    cwd: "/tmp",
  });
  const summary = describeConfig(config);
  const text = JSON.stringify(summary);

  it.each(Object.entries(SECRETS))("hides %s", (_name, value) => {
    expect(text).not.toContain(value);
  });

  it("hides token hashes too, keeping names and roles", () => {
    expect(text).not.toContain(config.auth.tokens[0]!.tokenSha256);
    expect(summary.auth).toEqual({ disabled: false, tokens: [{ name: "bootstrap", role: "admin" }] });
  });

  it("keeps everything else, and says which values were redacted", () => {
    expect(summary).toMatchObject({
      server: { port: 9000, host: "127.0.0.1" },
      database: {
        type: "mysql",
        url: `mysql://arcade:${REDACTED}@db:3306/arcade`,
        password: REDACTED,
        host: "db",
        user: "arcade",
      },
      redis: { url: `redis://:${REDACTED}@cache:6379` },
      storage: {
        s3AccessKeyId: REDACTED,
        s3SecretAccessKey: REDACTED,
        s3ReaderAccessKeyId: REDACTED,
        s3ReaderSecretAccessKey: REDACTED,
        s3Bucket: "arcade-plugins",
      },
      market: { token: REDACTED },
      plugin: { maxPluginSize: 50 * 1024 ** 2 },
    });
  });

  it("leaves an unset secret unset rather than pretending there is one", () => {
    const plain = describeConfig(loadConfig({ env: {}, cwd: "/tmp" }));
    expect(plain.database).toMatchObject({ password: "" });
    expect((plain.storage as Record<string, unknown>).s3SecretAccessKey).toBeUndefined();
    expect((plain.storage as Record<string, unknown>).s3ReaderSecretAccessKey).toBeUndefined();
  });
});

describe("redactUrl", () => {
  it("keeps URLs without a password and hides unparseable ones", () => {
    expect(redactUrl("redis://127.0.0.1:6390")).toBe("redis://127.0.0.1:6390");
    expect(redactUrl("not a url with pass")).toBe(REDACTED);
  });
});
