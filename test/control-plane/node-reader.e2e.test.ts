import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildExamplePlugin,
  expectEveryNodeApplied,
  missingServices,
  serviceAddresses,
  skipReason,
  usePlatform,
} from "../harness/index.js";

// Issue 13, on a running platform (2 API nodes + 1 worker, MariaDB + fs): with
// database.reader_user set, each runtime node reads the desired state as MariaDB's SELECT-only
// user. Its plugins still converge, its connections are the reader's, and that user cannot
// change the desired state.

const s = serviceAddresses();
const missing = [
  ...missingServices({ database: "mysql", storage: "fs" }),
  ...(s.mysqlReaderUrl ? [] : ["ARCADE_TEST_MYSQL_READER_URL"]),
];
const reader = s.mysqlReaderUrl ? new URL(s.mysqlReaderUrl) : null;

describe.skipIf(missing.length > 0)(
  `runtime nodes read as the read-only database user${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    const platform = usePlatform({
      label: "node-reader",
      apis: 2,
      workers: 1,
      database: "mysql",
      storage: "fs",
      apiEnv: {
        ARCADE_DATABASE_READER_USER: decodeURIComponent(reader?.username ?? ""),
        ARCADE_DATABASE_READER_PASSWORD: decodeURIComponent(reader?.password ?? ""),
      },
    });
    let connection: mysql.Connection | null = null;
    const asReader = async () => {
      connection ??= await mysql.createConnection({
        host: reader!.hostname,
        port: Number(reader!.port),
        user: decodeURIComponent(reader!.username),
        password: decodeURIComponent(reader!.password),
        database: platform().resources.mysqlDatabase!,
      });
      return connection;
    };
    afterAll(async () => {
      await connection?.end();
    });

    it("nodes converge reading as the reader, whose connections they hold and who cannot write", async () => {
      const p = platform();
      const accepted = await p.installZip(await buildExamplePlugin("notify-stdout"));
      const job = await p.waitJob(accepted.body.jobId);
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      expectEveryNodeApplied(job.result?.nodes, 2);
      const invoked = await p.call<{ result: { delivered: boolean } }>(
        "POST",
        `/api/v1/plugins/${job.pluginId}/actions/send`,
        { params: { message: "read as the reader" } },
        { apiIndex: 1 },
      );
      expect(invoked.status).toBe(200);

      const db = await asReader();
      // A user sees its own threads: both nodes' pools, beside this connection.
      const [threads] = await db.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND DB = ? AND ID <> CONNECTION_ID()",
        [decodeURIComponent(reader!.username), p.resources.mysqlDatabase],
      );
      expect(Number(threads[0]?.n)).toBeGreaterThanOrEqual(2);
      const [rows] = await db.query<mysql.RowDataPacket[]>("SELECT revision FROM t_cluster_revision");
      expect(rows.length).toBe(1);
      const attempt = db.query("UPDATE t_cluster_revision SET revision = revision + 100");
      await expect(attempt).rejects.toThrow(/denied/i);
    }, 120_000);
  },
);
