import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import mysql from "mysql2/promise";
import type { DatabaseOptions } from "../data-source.js";
import { type Database, openDatabase } from "../database.js";
import type { Exec } from "./pre-refactor-fixture.js";

/**
 * A database of its own for one test, reachable both through the platform (`open`) and as
 * plain SQL (`exec`/`query`), the way the old server or an operator would see it.
 */
export interface AdoptionTarget {
  kind: "mysql" | "sqlite";
  options: DatabaseOptions;
  /** For the migrate CLI: `--sqlite PATH` or `--mysql URL`. */
  cliArgs: string[];
  open(): Promise<Database>;
  exec: Exec;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export const mysqlBaseUrl = process.env.ARCADE_TEST_MYSQL_URL;

export async function sqliteAdoptionTarget(): Promise<AdoptionTarget> {
  const dir = await mkdtemp(path.join(process.env.ARCADE_TEST_DATA_DIR || tmpdir(), "arcade-adopt-"));
  const file = path.join(dir, "arcade.db");
  const raw = new BetterSqlite3(file);
  raw.pragma("journal_mode = WAL");
  const options: DatabaseOptions = { type: "sqlite", path: file };
  return {
    kind: "sqlite",
    options,
    cliArgs: ["--sqlite", file],
    open: () => openDatabase(options),
    async exec(sql, params = []) {
      raw.prepare(sql).run(...(params as unknown[]));
    },
    async query(sql, params = []) {
      return raw.prepare(sql).all(...(params as unknown[])) as Record<string, unknown>[];
    },
    async drop() {
      raw.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh `arcade_adopt_<random>` database on the test server, like mysql.int.test.ts makes. */
export async function mariadbAdoptionTarget(): Promise<AdoptionTarget> {
  const admin = new URL(mysqlBaseUrl!);
  const name = `arcade_adopt_${randomBytes(6).toString("hex")}`;
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
  try {
    await setup.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await setup.end();
  }
  const raw = await connect(name);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const options: DatabaseOptions = { type: "mysql", url: url.toString(), poolSize: 4 };
  return {
    kind: "mysql",
    options,
    cliArgs: ["--mysql", url.toString()],
    open: () => openDatabase(options),
    async exec(sql, params = []) {
      await raw.query(sql, params);
    },
    async query(sql, params = []) {
      const [rows] = await raw.query(sql, params);
      return rows as Record<string, unknown>[];
    },
    async drop() {
      await raw.end();
      const c = await connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

/** Tables and their row counts, the way `SHOW TABLES` would list them: to prove a dry run changed nothing. */
export async function tablesAndCounts(target: AdoptionTarget): Promise<Record<string, number>> {
  const names =
    target.kind === "mysql"
      ? (
          await target.query(
            "SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
          )
        ).map((r) => String(r.n))
      : (
          await target.query(
            "SELECT name AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
          )
        ).map((r) => String(r.n));
  const out: Record<string, number> = {};
  for (const name of names.sort()) {
    const [row] = await target.query(
      `SELECT COUNT(*) AS n FROM ${target.kind === "mysql" ? `\`${name}\`` : `"${name}"`}`,
    );
    out[name] = Number(row?.n);
  }
  return out;
}

/**
 * The schema of the platform's tables as the database describes it (columns with types,
 * nullability, defaults and collations; indexes with their columns), so two databases that
 * reached it by different paths can be compared.
 */
export async function schemaOf(target: AdoptionTarget, tables: readonly string[]): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const table of tables) {
    if (target.kind === "mysql") {
      const columns = await target.query(
        `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt,
                COLLATION_NAME AS collation, EXTRA AS extra
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY COLUMN_NAME`,
        [table],
      );
      const indexes = await target.query(
        `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, SEQ_IN_INDEX AS seq, COLUMN_NAME AS col
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
         ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
        [table],
      );
      out[table] = { columns, indexes };
    } else {
      const columns = (await target.query(`PRAGMA table_info("${table}")`))
        .map((c) => ({ name: c.name, type: c.type, notnull: c.notnull, dflt: c.dflt_value, pk: c.pk }))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      const indexes = [];
      for (const index of await target.query(`PRAGMA index_list("${table}")`)) {
        const cols = (await target.query(`PRAGMA index_info("${String(index.name)}")`)).map((c) => c.name);
        indexes.push({ unique: index.unique, origin: index.origin, cols });
      }
      indexes.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      out[table] = { columns, indexes };
    }
  }
  return out;
}
