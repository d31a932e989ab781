import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { AppError } from "@arcade/core";
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./database.js";
import { pluginRecord } from "./testing/fixtures.js";
import { type ContractTarget, describeRepoContract } from "./testing/repo-contract.js";
import { withTimeZone } from "./testing/time-zone.js";

const baseUrl = process.env.ARCADE_TEST_MYSQL_URL;
const skipReason = baseUrl === undefined || baseUrl === "" ? "ARCADE_TEST_MYSQL_URL is unset" : undefined;

/** A fresh database `arcade_db_<random>` on the test server, dropped by `drop()`. */
async function mariadbTarget(): Promise<ContractTarget> {
  const admin = new URL(baseUrl!);
  const name = `arcade_db_${randomBytes(6).toString("hex")}`;
  const adminConnection = () =>
    mysql.createConnection({
      host: admin.hostname,
      port: Number(admin.port || 3306),
      user: decodeURIComponent(admin.username),
      password: decodeURIComponent(admin.password),
    });
  const conn = await adminConnection();
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    open: () => openDatabase({ type: "mysql", url: url.toString(), poolSize: 4 }),
    async drop() {
      const c = await adminConnection();
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

/** A loopback port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describeRepoContract("mariadb", mariadbTarget, skipReason);

describe("mysql specifics (no server needed)", () => {
  it("a server that refuses connections is DATABASE_UNAVAILABLE from openDatabase", async () => {
    const port = await closedPort();
    const error = await openDatabase({
      type: "mysql",
      url: `mysql://arcade:arcade@127.0.0.1:${port}/arcade`,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE", retryable: true });
    expect((error as AppError).message).toMatch(/ECONNREFUSED/);
  });
});

describe.skipIf(skipReason !== undefined)("mariadb specifics", () => {
  it("stores datetimes in UTC with milliseconds and text as utf8mb4, exact keys as binary", async () => {
    const target = await mariadbTarget();
    const db = await target.open();
    try {
      await db.migrate();
      const installTime = new Date("2024-05-01T10:20:30.123Z");
      await withTimeZone("Asia/Kolkata", async () => {
        expect(new Date(2024, 0, 1).getTimezoneOffset()).toBe(-330);
        await db.plugins.transaction((tx) =>
          tx.insertPlugin(pluginRecord({ installTime, description: "🚀" })),
        );
        const rows = await db.dataSource.query(
          "SELECT DATE_FORMAT(install_time, '%Y-%m-%d %H:%i:%s.%f') AS t, description FROM t_plugin",
        );
        expect(rows).toEqual([{ t: "2024-05-01 10:20:30.123000", description: "🚀" }]);
        expect((await db.plugins.findByName("slack"))?.installTime).toEqual(installTime);
      });
      const collations = await db.dataSource.query(
        "SELECT COLUMN_NAME AS c, COLLATION_NAME AS k FROM information_schema.COLUMNS " +
          "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't_plugin_operation' AND COLUMN_NAME IN ('idempotency_key', 'requested_by') ORDER BY c",
      );
      expect(collations).toEqual([
        { c: "idempotency_key", k: "utf8mb4_bin" },
        { c: "requested_by", k: "utf8mb4_unicode_ci" },
      ]);
    } finally {
      await db.close();
      await target.drop();
    }
  });
});
