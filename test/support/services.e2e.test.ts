import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testServices, uniqueSuffix } from "./test-services.js";

// Proves the wiring of infra/scripts/test.sh: every ARCADE_TEST_* address reaches a real server
// that accepts the credentials and permissions the other suites rely on.
const services = testServices();
const suffix = uniqueSuffix();

describe("test services", () => {
  describe("redis", () => {
    let redis: Redis;
    const key = `support:${suffix}:greeting`;

    beforeAll(() => {
      redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      return redis.connect();
    });
    afterAll(async () => {
      await redis.del(key);
      await redis.quit();
    });

    it("stores and returns a value", async () => {
      expect(await redis.ping()).toBe("PONG");
      await redis.set(key, "hello", "EX", 60);
      expect(await redis.get(key)).toBe("hello");
    });
  });

  describe("mariadb", () => {
    let connection: mysql.Connection;
    const database = `arcade_support_${suffix}`;

    beforeAll(async () => {
      connection = await mysql.createConnection(services.mysqlUrl);
    });
    afterAll(async () => {
      await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await connection.end();
    });

    it("answers a query in the arcade database", async () => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT 1 AS one, DATABASE() AS db");
      expect(rows[0]).toEqual({ one: 1, db: "arcade" });
    });

    it("lets the arcade user create and drop its own arcade_* database", async () => {
      await connection.query(`CREATE DATABASE \`${database}\``);
      await connection.query(`CREATE TABLE \`${database}\`.t (id INT PRIMARY KEY, name VARCHAR(20))`);
      await connection.query(`INSERT INTO \`${database}\`.t VALUES (1, 'one')`);
      const [rows] = await connection.query<mysql.RowDataPacket[]>(`SELECT name FROM \`${database}\`.t`);
      expect(rows.map((row) => row.name)).toEqual(["one"]);
      await connection.query(`DROP DATABASE \`${database}\``);
    });

    it("refuses databases outside the arcade_* names", async () => {
      await expect(connection.query(`CREATE DATABASE \`other_${suffix}\``)).rejects.toThrow(/denied/i);
    });
  });

  describe("s3rver", () => {
    const key = `support/${suffix}/hello.txt`;
    const s3 = new S3Client({
      endpoint: services.s3.endpoint,
      region: services.s3.region,
      forcePathStyle: services.s3.forcePathStyle,
      credentials: { accessKeyId: services.s3.accessKeyId, secretAccessKey: services.s3.secretAccessKey },
      // With the SDK's default checksums s3rver stores the aws-chunked framing (stack notes).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });

    afterAll(async () => {
      await s3.send(new DeleteObjectCommand({ Bucket: services.s3.bucket, Key: key }));
      s3.destroy();
    });

    it("puts and gets an object in the test bucket", async () => {
      const body = `hello ${suffix}`;
      await s3.send(
        new PutObjectCommand({ Bucket: services.s3.bucket, Key: key, Body: body, ContentType: "text/plain" }),
      );
      const object = await s3.send(new GetObjectCommand({ Bucket: services.s3.bucket, Key: key }));
      expect(await object.Body?.transformToString()).toBe(body);
    });
  });

  describe("scratch folder", () => {
    it("is writable", async () => {
      const dir = await mkdtemp(join(services.dataDir, "support-"));
      await writeFile(join(dir, "probe.txt"), "ok");
      expect(await readFile(join(dir, "probe.txt"), "utf8")).toBe("ok");
      await rm(dir, { recursive: true, force: true });
    });
  });
});
