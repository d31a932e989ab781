import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { MigrationInterface } from "typeorm";
import { describe, expect, it } from "vitest";
import type { Database } from "./database.js";
import { MIGRATIONS } from "./migrations/index.js";
import { expectEveryOldRow, platformSnapshot } from "./testing/adoption-expectations.js";
import {
  type AdoptionTarget,
  mariadbAdoptionTarget,
  mysqlBaseUrl,
  schemaOf,
  sqliteAdoptionTarget,
  tablesAndCounts,
} from "./testing/adoption-targets.js";
import {
  OLD_CONFIG_ROWS,
  OLD_PLUGIN_ROWS,
  type PreRefactorState,
  seedPreRefactor,
} from "./testing/pre-refactor-fixture.js";

const run = promisify(execFile);
const packageDir = path.resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
/** The migrate command lives a layer up (it reads @arcade/config); run from its source. */
const MIGRATE_CLI = [
  "--conditions=source",
  "--import",
  "tsx",
  path.join(packageDir, "../platform/src/bin/migrate.ts"),
];
const CURRENT_TABLES = [
  "t_plugin",
  "t_plugin_version",
  "t_plugin_config",
  "t_plugin_operation",
  "t_cluster_revision",
  "t_plugin_scoped_config",
  "t_plugin_rollout",
  "migrations",
];
const STATES: PreRefactorState[] = ["empty", "pre-refactor", "pre-refactor+alters"];
const MIGRATION_NAMES = MIGRATIONS.map((m) => new m().name);

const backends: { name: string; make: () => Promise<AdoptionTarget>; skip?: string }[] = [
  { name: "sqlite", make: sqliteAdoptionTarget },
  {
    name: "mariadb",
    make: mariadbAdoptionTarget,
    ...(mysqlBaseUrl ? {} : { skip: "ARCADE_TEST_MYSQL_URL is unset (only outside the test command)" }),
  },
];

async function seeded(make: () => Promise<AdoptionTarget>, state: PreRefactorState): Promise<AdoptionTarget> {
  const target = await make();
  await seedPreRefactor(target.exec, target.kind, state);
  return target;
}

async function using<T>(target: AdoptionTarget, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await target.open();
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** As if an older build, or a process stopped after step `count`, had run only the first migrations. */
async function migrateFirst(target: AdoptionTarget, count: number): Promise<string[]> {
  return using(target, async (db) => {
    (db.dataSource.migrations as MigrationInterface[]).splice(count);
    return db.migrate();
  });
}

function cli(target: AdoptionTarget, ...args: string[]) {
  return run(process.execPath, [...MIGRATE_CLI, ...target.cliArgs, ...args], {
    cwd: packageDir,
    timeout: 120_000,
  });
}

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(`adopting an existing installation [${backend.name}]`, () => {
    const reference = async () => {
      const fresh = await backend.make();
      try {
        await using(fresh, (db) => db.migrate());
        return await schemaOf(
          fresh,
          CURRENT_TABLES.filter((t) => t !== "migrations"),
        );
      } finally {
        await fresh.drop();
      }
    };

    for (const state of STATES) {
      it(`from ${state}: the dry run changes nothing; the migration keeps every row and ends in the fresh schema; a second run is a no-op`, async () => {
        const expectedSchema = await reference();
        const target = await seeded(backend.make, state);
        try {
          const before = await tablesAndCounts(target);
          const dry = await cli(target, "--dry-run");
          expect(await tablesAndCounts(target)).toEqual(before);
          expect(dry.stdout).toMatch(/dry run: nothing will be changed/);
          if (state === "empty") {
            expect(dry.stdout).toMatch(/starting point: an empty database/);
            expect(dry.stdout).toMatch(/would create tables: t_plugin, t_plugin_version/);
          } else {
            expect(dry.stdout).toContain(
              `would rename t_plugin (${OLD_PLUGIN_ROWS.length} rows) to t_plugin_legacy_plugin`,
            );
            expect(dry.stdout).toContain(
              `would rename t_plugin_config (${OLD_CONFIG_ROWS.length} rows) to t_plugin_legacy_config`,
            );
            expect(dry.stdout).toMatch(/would import 8 plugin rows as 5 plugins/);
            expect(dry.stdout).toMatch(/type "deploy" -> cd/);
            expect(dry.stdout).toMatch(/type "scanner" -> custom \(1 plugin\(s\)\); unknown here/);
            expect(dry.stdout).toMatch(
              /plugin_slack_abc123 "slack": 3 version\(s\) \[1\.2\.0, 1\.9\.3, 1\.10\.0\], current 1\.10\.0/,
            );
            expect(dry.stdout).toMatch(/3 global become plugin configs/);
          }

          const first = await using(target, (db) => db.migrate());
          expect(first).toEqual(MIGRATION_NAMES);
          await using(target, (db) => expectEveryOldRow(db, state));
          expect(
            await schemaOf(
              target,
              CURRENT_TABLES.filter((t) => t !== "migrations"),
            ),
          ).toEqual(expectedSchema);
          const after = await tablesAndCounts(target);
          if (state !== "empty") {
            // The old tables are kept whole, under their backup names.
            expect(after.t_plugin_legacy_plugin).toBe(OLD_PLUGIN_ROWS.length);
            expect(after.t_plugin_legacy_config).toBe(OLD_CONFIG_ROWS.length);
          }

          const snapshot = await using(target, platformSnapshot);
          expect(await using(target, (db) => db.migrate())).toEqual([]);
          expect(await tablesAndCounts(target)).toEqual(after);
          expect(await using(target, platformSnapshot)).toEqual(snapshot);
        } finally {
          await target.drop();
        }
      });
    }

    for (const stopAfter of [1, 2, 3]) {
      it(`after a run that stopped after migration ${stopAfter}, the next run finishes with every row`, async () => {
        const target = await seeded(backend.make, "pre-refactor+alters");
        try {
          expect(await migrateFirst(target, stopAfter)).toEqual(MIGRATION_NAMES.slice(0, stopAfter));
          expect(await using(target, (db) => db.migrate())).toEqual(MIGRATION_NAMES.slice(stopAfter));
          await using(target, (db) => expectEveryOldRow(db, "pre-refactor+alters"));
        } finally {
          await target.drop();
        }
      });
    }

    it("a step that stopped half way (some tables, columns and rows already there, not recorded) is finished, not repeated", async () => {
      const clean = await seeded(backend.make, "pre-refactor");
      const target = await seeded(backend.make, "pre-refactor");
      try {
        await using(clean, (db) => db.migrate());
        const expected = await using(clean, platformSnapshot);

        // MySQL commits every CREATE/ALTER on its own: a process killed inside a migration can leave
        // part of it done without its record. Build those states by undoing parts of a full run.
        await using(target, (db) => db.migrate());
        await using(target, async (db) => {
          await db.dataSource.query(
            "DELETE FROM t_plugin_version WHERE plugin_id = 'plugin_slack_abc123' AND version = '1.2.0'",
          );
          await db.dataSource.query(
            "DELETE FROM t_plugin_version WHERE plugin_id = 'plugin_k8s-deploy_x1y2z3'",
          );
          await db.dataSource.query("DELETE FROM t_plugin WHERE plugin_id = 'plugin_k8s-deploy_x1y2z3'");
          await db.dataSource.query("DELETE FROM t_plugin_config WHERE plugin_id = 'plugin_slack_abc123'");
          await db.dataSource.query(
            "DELETE FROM t_plugin_scoped_config WHERE config_id IN ('cfg-slack-user', 'cfg-orphan')",
          );
          // Only this adoption's own migrations are undone: later ones belong to other features.
          const undone = MIGRATION_NAMES.slice(1, 4);
          await db.dataSource.query(
            `DELETE FROM migrations WHERE name IN (${undone.map(() => "?").join(", ")})`,
            undone,
          );
          await db.dataSource.query("DROP TABLE t_plugin_operation");
          await db.dataSource.query("DROP TABLE t_cluster_revision");
        });
        await using(target, async (db) => {
          const ran = await db.migrate();
          expect(ran).toEqual(MIGRATION_NAMES.slice(1, 4));
        });
        // t_cluster_revision was re-created at 0 and bumped once by the import: the rest is identical.
        expect(await using(target, platformSnapshot)).toEqual(expected);
        await using(target, (db) => expectEveryOldRow(db, "pre-refactor"));
      } finally {
        await clean.drop();
        await target.drop();
      }
    });

    it("a migrate process killed while it works leaves a database the next run completes", async () => {
      const clean = await seeded(backend.make, "pre-refactor+alters");
      const target = await seeded(backend.make, "pre-refactor+alters");
      try {
        await using(clean, (db) => db.migrate());
        const expected = await using(clean, platformSnapshot);

        const child = spawn(process.execPath, [...MIGRATE_CLI, ...target.cliArgs], {
          cwd: packageDir,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        // Killed once the first of the new columns is logged: on MySQL that usually lands between
        // two ALTERs of one unrecorded migration. How far it really got depends on scheduling, and
        // every outcome must be completed by the next run.
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (/added t_plugin\.error|adopted plugin|migrate: done/.test(output)) child.kill("SIGKILL");
        });
        await exited;
        expect(output).toMatch(/migrate: connecting to/);

        const second = await cli(target);
        expect(second.stdout).toMatch(/migrate: done/);
        expect(await using(target, platformSnapshot)).toEqual(expected);
        await using(target, (db) => expectEveryOldRow(db, "pre-refactor+alters"));
      } finally {
        await clean.drop();
        await target.drop();
      }
    });

    it("--drop-legacy drops the backups only after the import, and the plugins stay served", async () => {
      const target = await seeded(backend.make, "pre-refactor");
      try {
        const dry = await cli(target, "--dry-run", "--drop-legacy");
        expect(dry.stdout).toMatch(
          /would drop t_plugin_legacy_plugin \(8 rows\), t_plugin_legacy_config \(8 rows\) after the import/,
        );
        expect(Object.keys(await tablesAndCounts(target))).toEqual(["t_plugin", "t_plugin_config"]);

        const out = await cli(target, "--drop-legacy");
        expect(out.stdout).toMatch(/applied ImportPreRefactorRows/);
        expect(out.stdout).toMatch(
          /dropped t_plugin_legacy_plugin \(8 rows\), t_plugin_legacy_config \(8 rows\)/,
        );
        const tables = await tablesAndCounts(target);
        expect(tables.t_plugin_legacy_plugin).toBeUndefined();
        expect(tables.t_plugin_legacy_config).toBeUndefined();
        await using(target, (db) => expectEveryOldRow(db, "pre-refactor"));
        expect((await cli(target, "--drop-legacy")).stdout).toMatch(/no t_plugin_legacy_\* backups to drop/);
      } finally {
        await target.drop();
      }
    });

    it("refuses, changing nothing, a t_plugin it does not recognise", async () => {
      const target = await backend.make();
      try {
        await target.exec("CREATE TABLE t_plugin (id INTEGER PRIMARY KEY, title VARCHAR(10))");
        const before = await tablesAndCounts(target);
        const error = await cli(target).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 1 });
        expect((error as { stderr: string }).stderr).toMatch(
          /t_plugin exists but is neither this platform's table nor the pre-refactor one/,
        );
        const after = await tablesAndCounts(target);
        // Only TypeORM's own bookkeeping table may have appeared.
        delete after.migrations;
        expect(after).toEqual(before);
      } finally {
        await target.drop();
      }
    });
  });
}
