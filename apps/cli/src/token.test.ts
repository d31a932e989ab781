import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { testEnvironment } from "./test-support/capture.js";
import { FakeApi } from "./test-support/fake-api.js";
import { resolveToken } from "./token.js";

let repo: string;
let nested: string;
let elsewhere: string;

beforeAll(async () => {
  const root = await mkdtemp(path.join(tmpdir(), "arcade-cli-token-"));
  repo = path.join(root, "repo");
  nested = path.join(repo, "apps", "cli");
  elsewhere = path.join(root, "elsewhere");
  await mkdir(path.join(repo, ".data"), { recursive: true });
  await mkdir(nested, { recursive: true });
  await mkdir(elsewhere, { recursive: true });
  await writeFile(path.join(repo, ".data", "admin-token"), "file-token-0123456789\n");
});
afterAll(async () => {
  await rm(path.dirname(repo), { recursive: true, force: true });
});

describe("resolveToken", () => {
  it("prefers --token, then ARCADE_TOKEN, then .data/admin-token", () => {
    const env = { ARCADE_TOKEN: "env-token" };
    expect(resolveToken({ flag: "flag-token", env, cwd: repo })).toEqual({
      token: "flag-token",
      source: "flag",
    });
    expect(resolveToken({ env, cwd: repo })).toEqual({ token: "env-token", source: "env" });
    expect(resolveToken({ env: {}, cwd: repo })).toEqual({
      token: "file-token-0123456789",
      source: "file",
      file: path.join(repo, ".data", "admin-token"),
    });
  });

  it("finds the token file from a subfolder of the checkout (pnpm --filter runs in apps/cli)", () => {
    expect(resolveToken({ env: {}, cwd: nested })).toMatchObject({
      token: "file-token-0123456789",
      source: "file",
    });
  });

  it("has no token outside a checkout, and ignores blank values", () => {
    expect(resolveToken({ flag: "  ", env: { ARCADE_TOKEN: "" }, cwd: elsewhere })).toEqual({
      token: undefined,
      source: "none",
    });
  });
});

describe("the token the CLI sends", () => {
  async function authorizationFor(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
    const api = await FakeApi.start();
    try {
      api.on("GET", "/api/v1/cluster/nodes", () => ({ status: 200, body: [] }));
      const { io } = testEnvironment({ ARCADE_API_URL: api.url, ...env }, cwd);
      expect(await runCli(["nodes", ...args], io)).toBe(0);
      return api.requests[0]?.headers.authorization;
    } finally {
      await api.close();
    }
  }

  it("follows the same order end to end", async () => {
    expect(await authorizationFor(["--token", "flag-token"], { ARCADE_TOKEN: "env-token" }, nested)).toBe(
      "Bearer flag-token",
    );
    expect(await authorizationFor([], { ARCADE_TOKEN: "env-token" }, nested)).toBe("Bearer env-token");
    expect(await authorizationFor([], {}, nested)).toBe("Bearer file-token-0123456789");
    expect(await authorizationFor([], {}, elsewhere)).toBeUndefined();
  });
});
