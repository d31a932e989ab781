import { mkdtempSync, rmSync } from "node:fs";
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

describe("HTTP deadlines", () => {
  it("headers_timeout may not exceed request_timeout (Node refuses it)", () => {
    expect(() => load({ ARCADE_SERVER_HEADERS_TIMEOUT: "40s" })).toThrow(
      'ARCADE_SERVER_HEADERS_TIMEOUT="40s" (server.headers_timeout): must be at most server.request_timeout (30000ms)',
    );
  });

  it("request_timeout may not exceed upload_timeout; the message blames the key that was set", () => {
    expect(() => load({ ARCADE_SERVER_REQUEST_TIMEOUT: "10m" })).toThrow(
      "(server.request_timeout): must be at most server.upload_timeout (300000ms)",
    );
    expect(() => load({ ARCADE_SERVER_UPLOAD_TIMEOUT: "5s" })).toThrow(
      "(server.upload_timeout): must be at least server.request_timeout (30000ms)",
    );
  });
});

describe("server.allowed_hosts", () => {
  it("is compared case-insensitively, so it is kept in lower case", () => {
    expect(
      load({ ARCADE_SERVER_ALLOWED_HOSTS: "Arcade.Example.com,[::1]:8080" }).server.allowedHosts,
    ).toEqual(["arcade.example.com", "[::1]:8080"]);
  });

  it("refuses what cannot be a host", () => {
    expect(() => load({ ARCADE_SERVER_ALLOWED_HOSTS: "a b" })).toThrow("server.allowed_hosts");
    expect(() => load({ ARCADE_SERVER_ALLOWED_HOSTS: '["evil.com/x"]' })).toThrow("server.allowed_hosts");
  });
});

describe("cluster.secret", () => {
  it("is empty by default and at least 32 characters when set", () => {
    expect(load({}).cluster.secret).toBe("");
    expect(() => load({ ARCADE_CLUSTER_SECRET: "short" })).toThrow("cluster.secret");
  });

  it("never appears in the start-up summary or in an error message", () => {
    const secret = "x".repeat(40);
    expect(JSON.stringify(describeConfig(load({ ARCADE_CLUSTER_SECRET: secret })))).not.toContain(secret);
    const bad = `${"y".repeat(40)} with a space`;
    let message = "";
    try {
      load({ ARCADE_CLUSTER_SECRET: bad });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("cluster.secret");
    expect(message).not.toContain("y".repeat(40));
  });
});

describe("redis.allow_unauthenticated", () => {
  it("is off by default and warns at start when on", () => {
    expect(load({}).redis.allowUnauthenticated).toBe(false);
    const config = load({ ARCADE_REDIS_ALLOW_UNAUTHENTICATED: "true" });
    expect(config.redis.allowUnauthenticated).toBe(true);
    expect(config.warnings.join("\n")).toContain("redis.allow_unauthenticated = true");
  });
});

describe("auth.tokens", () => {
  it("accept the metrics role (for Prometheus)", () => {
    const config = load({
      ARCADE_AUTH_TOKENS: JSON.stringify([
        { name: "prometheus", role: "metrics", token_sha256: "a".repeat(64) },
      ]),
    });
    expect(config.auth.tokens).toEqual([
      { name: "prometheus", role: "metrics", tokenSha256: "a".repeat(64) },
    ]);
  });
});

describe("database.ssl_ca", () => {
  it("is a path: relative ones from the working directory in env", () => {
    const config = load({ ARCADE_DATABASE_SSL: "true", ARCADE_DATABASE_SSL_CA: "certs/ca.pem" });
    expect(config.database.ssl).toBe(true);
    expect(config.database.sslCa).toBe(join(dir, "certs/ca.pem"));
  });
});
