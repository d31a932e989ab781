import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@arcade/config";
import { afterAll, describe, expect, it } from "vitest";
import { databaseOptions, readerDatabaseOptions } from "./database-options.js";

const dir = mkdtempSync(join(tmpdir(), "arcade-dbopts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const load = (env: Record<string, string>) => loadConfig({ env, cwd: dir });
const MYSQL = { ARCADE_DATABASE_TYPE: "mysql", ARCADE_DATABASE_URL: "mysql://arcade:pw@db:3306/arcade" };

describe("database options from the configuration", () => {
  it("TLS: off by default, on against the system's CAs, or against a CA bundle read from its file", () => {
    expect(databaseOptions(load(MYSQL))).not.toHaveProperty("ssl");
    expect(databaseOptions(load({ ...MYSQL, ARCADE_DATABASE_SSL: "true" }))).toMatchObject({ ssl: true });
    const ca = join(dir, "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n");
    expect(
      databaseOptions(load({ ...MYSQL, ARCADE_DATABASE_SSL: "true", ARCADE_DATABASE_SSL_CA: ca })),
    ).toMatchObject({ ssl: { ca: expect.stringContaining("BEGIN CERTIFICATE") } });
  });

  it("the nodes' reader: the same server and database as reader_user, a small pool; none without one", () => {
    expect(readerDatabaseOptions(load(MYSQL))).toBeNull();
    expect(readerDatabaseOptions(load({ ARCADE_DATABASE_READER_USER: "r" }))).toBeNull();
    expect(
      readerDatabaseOptions(
        load({
          ...MYSQL,
          ARCADE_DATABASE_READER_USER: "arcade_reader",
          ARCADE_DATABASE_READER_PASSWORD: "rp",
        }),
      ),
    ).toMatchObject({
      type: "mysql",
      host: "db",
      database: "arcade",
      user: "arcade_reader",
      password: "rp",
      poolSize: 2,
    });
  });
});
