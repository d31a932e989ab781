import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AppError } from "@arcade/core";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "./database.js";
import { MIGRATIONS } from "./migrations/index.js";
import { pluginRecord } from "./testing/fixtures.js";
import { type ContractTarget, describeRepoContract } from "./testing/repo-contract.js";
import { withTimeZone } from "./testing/time-zone.js";

const run = promisify(execFile);
const packageDir = path.resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
/** The migrate command lives a layer up (it reads @arcade/config); run from its source. */
const MIGRATE_CLI = [
  "--conditions=source",
  "--import",
  "tsx",
  path.join(packageDir, "../platform/src/bin/migrate.ts"),
];

async function sqliteTarget(): Promise<ContractTarget & { file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "arcade-db-"));
  const file = path.join(dir, "nested", "arcade.db");
  return {
    file,
    open: () => openDatabase({ type: "sqlite", path: file }),
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

describeRepoContract("sqlite", sqliteTarget);

describe("sqlite specifics", () => {
  let target: Awaited<ReturnType<typeof sqliteTarget>>;

  beforeAll(async () => {
    target = await sqliteTarget();
  });

  afterAll(async () => {
    await target.drop();
  });

  it("runs in WAL mode with foreign keys on and stores datetimes as UTC text", async () => {
    const db = await target.open();
    try {
      await db.migrate();
      expect(await db.dataSource.query("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
      expect(await db.dataSource.query("PRAGMA foreign_keys")).toEqual([{ foreign_keys: 1 }]);
      const installTime = new Date("2024-05-01T10:20:30.123Z");
      await withTimeZone("Asia/Kolkata", async () => {
        expect(new Date(2024, 0, 1).getTimezoneOffset()).toBe(-330);
        await db.plugins.transaction((tx) => tx.insertPlugin(pluginRecord({ installTime })));
        const rows = await db.dataSource.query("SELECT install_time, manifest FROM t_plugin");
        expect(rows).toEqual([{ install_time: "2024-05-01 10:20:30.123", manifest: expect.any(String) }]);
        expect((await db.plugins.findByName("slack"))?.installTime).toEqual(installTime);
      });
    } finally {
      await db.close();
    }
  });

  it("a write lock held by another connection beyond the busy timeout is DATABASE_UNAVAILABLE", async () => {
    const db = await openDatabase({ type: "sqlite", path: target.file, busyTimeoutMs: 50 });
    const holder = new BetterSqlite3(target.file);
    try {
      await db.migrate();
      holder.exec("BEGIN IMMEDIATE");
      const error = await db.plugins.transaction((tx) => tx.bumpRevision()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE", retryable: true });
      holder.exec("ROLLBACK");
      await expect(db.plugins.transaction((tx) => tx.bumpRevision())).resolves.toBe(1);
    } finally {
      holder.close();
      await db.close();
    }
  });

  it("the migrate CLI run by two processes at once migrates a fresh file exactly once", async () => {
    const fresh = await sqliteTarget();
    try {
      const cli = () =>
        run(process.execPath, [...MIGRATE_CLI, "--sqlite", fresh.file], {
          cwd: packageDir,
          timeout: 60_000,
        });
      const outputs = await Promise.all([cli(), cli()]);
      const applied = outputs.flatMap((o) =>
        o.stdout.split("\n").filter((l) => l.startsWith("migrate: applied ")),
      );
      expect(applied).toEqual(MIGRATIONS.map((m) => `migrate: applied ${new m().name}`));
      for (const o of outputs) expect(o.stdout).toMatch(/migrate: done/);
    } finally {
      await fresh.drop();
    }
  });

  it("the migrate CLI rejects bad arguments with exit code 2", async () => {
    const error = await run(process.execPath, [...MIGRATE_CLI, "--postgres", "x"], {
      cwd: packageDir,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toMatch(/unknown option --postgres/);
  });
});
