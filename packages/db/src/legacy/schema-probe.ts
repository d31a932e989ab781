import type { QueryRunner } from "typeorm";
import { type DriverKind, driverKindOf } from "../migrations/column-kit.js";

/**
 * Read-only questions about the schema as it is, asked the same way on MySQL/MariaDB and
 * SQLite. Every migration step that adopts an old installation asks them first, so a step
 * that already ran (before a crash, or in another process) is recognised and skipped.
 */

/** Names are ours (constants), never user input; quoting keeps reserved words harmless. */
export function quoteName(kind: DriverKind, name: string): string {
  return kind === "mysql" ? `\`${name}\`` : `"${name}"`;
}

export async function tableExists(runner: QueryRunner, table: string): Promise<boolean> {
  if (driverKindOf(runner) === "mysql") {
    const rows: unknown[] = await runner.query(
      "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
      [table],
    );
    return rows.length > 0;
  }
  const rows: unknown[] = await runner.query(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    [table],
  );
  return rows.length > 0;
}

/** Column names of a table, lower-cased; empty when the table does not exist. */
export async function columnsOf(runner: QueryRunner, table: string): Promise<Set<string>> {
  if (driverKindOf(runner) === "mysql") {
    const rows: { name: string }[] = await runner.query(
      "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
      [table],
    );
    return new Set(rows.map((r) => r.name.toLowerCase()));
  }
  const rows: { name: string }[] = await runner.query(`PRAGMA table_info(${quoteName("sqlite", table)})`);
  return new Set(rows.map((r) => r.name.toLowerCase()));
}

export async function countRows(runner: QueryRunner, table: string): Promise<number> {
  const rows: { n: number | string }[] = await runner.query(
    `SELECT COUNT(*) AS n FROM ${quoteName(driverKindOf(runner), table)}`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** A Date as the driver stores it: mysql2 converts Dates itself (in UTC); SQLite keeps TypeORM's UTC text. */
export function dateParam(kind: DriverKind, date: Date): Date | string {
  if (kind === "mysql") return date;
  return date.toISOString().replace("T", " ").replace("Z", "");
}
