import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PluginStatus } from "@arcade/contracts";
import { newPluginRecord } from "@arcade/core";
import { type Database, openDatabase } from "@arcade/db";
import { encryptConfigSecrets, Keyring, keyIdOf, SecretCipher } from "@arcade/secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rewrapStoredSecrets } from "./rewrap-secrets.js";

// Key rotation's rewrap over a real SQLite database: configs under the old key (and one still
// in clear) end under the active key, each change bumps the revision, and the report says which
// keys the stored secrets use, so the old one can be retired.

const SCHEMA = {
  type: "object",
  properties: { token: { type: "string", "x-secret": true }, channel: { type: "string" } },
};
const k1 = { id: "k1", secret: randomBytes(32) };
const k2 = { id: "k2", secret: randomBytes(32) };

describe("rewrapStoredSecrets (real SQLite)", () => {
  let dir: string;
  let db: Database;

  async function insert(pluginId: string, config: Record<string, unknown>, configSchema: unknown = SCHEMA) {
    await db.plugins.transaction(async (tx) => {
      const manifest = {
        name: pluginId.split("_")[1]!,
        version: "1.0.0",
        pluginType: "custom" as const,
        entryPoint: "i.mjs",
        configSchema: configSchema as Record<string, unknown>,
      };
      await tx.insertPlugin(
        newPluginRecord({
          pluginId,
          manifest,
          checksum: "a".repeat(64),
          source: "local",
          marketId: null,
          now: new Date(1_000),
          status: PluginStatus.Enabled,
        }),
      );
      await tx.setConfig(pluginId, config);
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "arcade-rewrap-"));
    db = await openDatabase({ type: "sqlite", path: join(dir, "db.sqlite") });
    await db.migrate();
    const old = new SecretCipher(new Keyring({ keys: [k1], activeKey: "k1" }));
    const sealed = (id: string) => encryptConfigSecrets(old, SCHEMA, id, { token: `t-${id}`, channel: "c" });
    await insert("plugin_one_aaaaaa", sealed("plugin_one_aaaaaa"));
    await insert("plugin_two_bbbbbb", sealed("plugin_two_bbbbbb"));
    await insert("plugin_clear_cccccc", { token: "in-clear" });
    await insert("plugin_plain_dddddd", { channel: "x" }, { type: "object" });
  });

  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a dry run changes nothing and says what it would do", async () => {
    const cipher = new SecretCipher(new Keyring({ keys: [k1, k2], activeKey: "k2" }));
    const revision = await db.plugins.currentRevision();
    const report = await rewrapStoredSecrets(db.plugins, cipher, { dryRun: true });
    expect(report.checked).toBe(3);
    expect(report.rewrapped.sort()).toEqual([
      "plugin_clear_cccccc",
      "plugin_one_aaaaaa",
      "plugin_two_bbbbbb",
    ]);
    expect(report.keysInUse).toEqual({ k1: 2 });
    expect(report.inClear).toBe(1);
    expect(await db.plugins.currentRevision()).toBe(revision);
  });

  it("moves every secret under the active key, bumps the revision, and the old key can go", async () => {
    const cipher = new SecretCipher(new Keyring({ keys: [k1, k2], activeKey: "k2" }));
    const revision = await db.plugins.currentRevision();
    const report = await rewrapStoredSecrets(db.plugins, cipher);
    expect(report.keysInUse).toEqual({ k2: 3 });
    expect(report.inClear).toBe(0);
    expect(await db.plugins.currentRevision()).toBe(revision + 3);

    const onlyK2 = new SecretCipher(new Keyring({ keys: [k2], activeKey: "k2" }));
    for (const id of ["plugin_one_aaaaaa", "plugin_two_bbbbbb", "plugin_clear_cccccc"]) {
      const stored = (await db.plugins.getConfig(id))!;
      expect(keyIdOf(stored.token as string)).toBe("k2");
      const expected = id === "plugin_clear_cccccc" ? "in-clear" : `t-${id}`;
      expect(onlyK2.decrypt(stored.token as string, { pluginId: id, field: "/token" })).toBe(expected);
    }
    expect(await db.plugins.getConfig("plugin_plain_dddddd")).toEqual({ channel: "x" });
    // Nothing left to do: a second pass changes nothing.
    expect((await rewrapStoredSecrets(db.plugins, cipher)).rewrapped).toEqual([]);
  });
});
