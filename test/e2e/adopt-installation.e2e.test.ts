import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LEGACY_NATIVE_PLUGIN_ERROR, type PluginResource } from "@arcade/contracts";
import { openDatabase, seedPreRefactor } from "@arcade/db";
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import {
  buildPluginZip,
  missingServices,
  REPO_ROOT,
  serviceAddresses,
  startPlatform,
} from "../harness/index.js";

/**
 * Issue 15 as a newcomer with an existing Arcade installation meets it: the platform started on
 * a database that holds the pre-refactor plugin tables adopts them, serves the old plugins in
 * error without any node trying to load them, and an update with a real package brings one back;
 * and the original design's [plugin] block, as written, starts the platform with its meaning.
 */

const MiB = 1024 ** 2;
const DESIGN_BLOCK = join(REPO_ROOT, "packages", "config", "src", "testing", "original-design-plugin.toml");

interface Page<T> {
  items: T[];
  total: number;
}

/** An existing installation's database, filled before any platform process starts. */
async function existingInstallation(kind: "sqlite" | "mysql"): Promise<{
  env: Record<string, string>;
  drop(): Promise<void>;
}> {
  if (kind === "sqlite") {
    const dir = await mkdtemp(join(serviceAddresses().dataDir ?? tmpdir(), "adopt-e2e-"));
    const path = join(dir, "arcade.db");
    const db = await openDatabase({ type: "sqlite", path });
    try {
      await seedPreRefactor(
        (sql, params) => db.dataSource.query(sql, params),
        "sqlite",
        "pre-refactor+alters",
      );
    } finally {
      await db.close();
    }
    return {
      env: { ARCADE_DATABASE_SQLITE_PATH: path },
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const admin = new URL(serviceAddresses().mysqlUrl!);
  const name = `arcade_adopt_e2e_${randomBytes(5).toString("hex")}`;
  const connect = (database?: string) =>
    mysql.createConnection({
      host: admin.hostname,
      port: Number(admin.port || 3306),
      user: decodeURIComponent(admin.username),
      password: decodeURIComponent(admin.password),
      timezone: "Z",
      ...(database ? { database } : {}),
    });
  const setup = await connect();
  await setup.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await setup.end();
  const old = await connect(name);
  try {
    await seedPreRefactor(
      async (sql, params) => (await old.query(sql, params))[0],
      "mysql",
      "pre-refactor+alters",
    );
  } finally {
    await old.end();
  }
  return {
    env: { ARCADE_DATABASE_TYPE: "mysql", ARCADE_DATABASE_DATABASE: name },
    async drop() {
      const c = await connect();
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

for (const kind of [
  { database: "sqlite", storage: "fs" },
  { database: "mysql", storage: "s3" },
] as const) {
  const missing = missingServices(kind);
  describe.skipIf(missing.length > 0)(`an existing installation [${kind.database} + ${kind.storage}]`, () => {
    it("starts on the old tables, serves the old plugins in error, and an update with a package brings one back", async () => {
      const installation = await existingInstallation(kind.database);
      const platform = await startPlatform({
        apis: 1,
        workers: 1,
        ...kind,
        env: installation.env,
        label: "adopt",
      });
      try {
        const list = await platform.call<Page<PluginResource>>("GET", "/api/v1/plugins?status=2&pageSize=50");
        expect(list.body.total).toBe(5);
        for (const p of list.body.items)
          expect(p).toMatchObject({ isEnabled: 2, error: LEGACY_NATIVE_PLUGIN_ERROR });
        const slack = await platform.call<PluginResource>("GET", "/api/v1/plugins/plugin_slack_abc123");
        expect(slack.body).toMatchObject({
          version: "1.10.0",
          legacy: { installPath: "/var/lib/arcade/plugins/plugin_slack_abc123_1.10.0.so", isEnabled: 1 },
        });

        // The node has reconciled the adoption's revision and loaded none of the native builds.
        await expect
          .poll(
            async () => {
              const nodes = await platform.call<{ appliedRevision: number; plugins: unknown[] }[]>(
                "GET",
                "/api/v1/cluster/nodes",
              );
              return nodes.body.map((n) => [n.appliedRevision >= 1, n.plugins.length]);
            },
            { timeout: 30_000 },
          )
          .toEqual([[true, 0]]);

        const zip = await buildPluginZip({
          name: "slack",
          version: "1.10.0",
          pluginType: "notify",
          manifest: {
            configSchema: {
              type: "object",
              properties: { webhook: { type: "string" }, channel: { type: "string" } },
            },
            defaultConfig: {},
          },
        });
        const accepted = await platform.updateZip("plugin_slack_abc123", zip);
        expect(accepted.status).toBe(202);
        const job = await platform.waitJob(accepted.body.jobId);
        expect(job.state, JSON.stringify(job.error)).toBe("succeeded");

        const updated = await platform.call<PluginResource>("GET", "/api/v1/plugins/plugin_slack_abc123");
        expect(updated.body).toMatchObject({ isEnabled: 1, error: null, legacy: null, version: "1.10.0" });
        await expect
          .poll(
            async () =>
              (
                await platform.call<{ result: { version: string } }>(
                  "POST",
                  "/api/v1/plugins/plugin_slack_abc123/actions/send",
                  { params: { message: "hi" } },
                )
              ).body.result?.version,
            { timeout: 30_000 },
          )
          .toBe("1.10.0");
        // Its old config came along.
        const config = await platform.call("GET", "/api/v1/plugins/plugin_slack_abc123/config");
        expect(config.body).toEqual({ webhook: "https://hooks.example/1", channel: "#ops" });
      } finally {
        await platform.stopAll();
        await installation.drop();
      }
    });
  });
}

describe.skipIf(missingServices({ database: "sqlite", storage: "fs" }).length > 0)(
  "the original design's [plugin] block",
  () => {
    it("as written in a config file, starts the platform with 100 MiB, 30 s and one day", async () => {
      // No worker: with auto_check_update on it would call the design's market address.
      const platform = await startPlatform({
        apis: 1,
        workers: 0,
        database: "sqlite",
        storage: "fs",
        env: { ARCADE_CONFIG: DESIGN_BLOCK },
        label: "design-config",
      });
      try {
        const lines = (await platform.apis[0]!.output())
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as { msg?: string; config?: { plugin?: unknown; file?: string } });
        const starting = lines.find((l) => l.msg === "starting");
        expect(starting?.config?.file).toBe(DESIGN_BLOCK);
        expect(starting?.config?.plugin).toMatchObject({
          maxPluginSize: 100 * MiB,
          loadTimeout: 30_000,
          updateCheckInterval: 86_400_000,
          enableMarket: true,
          marketApi: "https://marketplace.arcade.io/api",
          autoCheckUpdate: true,
        });
        expect(lines.filter((l) => /plain number/.test(l.msg ?? ""))).toEqual([]);
      } finally {
        await platform.stopAll();
      }
    });
  },
);
