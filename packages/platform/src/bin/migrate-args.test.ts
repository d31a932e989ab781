import path from "node:path";
import { loadConfig } from "@arcade/config";
import { describe, expect, it } from "vitest";
import { databaseOptions } from "../database-options.js";
import { describeTarget, parseMigrateArgs } from "./migrate-args.js";

describe("parseMigrateArgs", () => {
  it("takes --sqlite and --mysql", () => {
    expect(parseMigrateArgs(["--sqlite", "/tmp/x.db"]).database).toEqual({
      type: "sqlite",
      path: "/tmp/x.db",
    });
    expect(parseMigrateArgs(["--mysql", "mysql://a:b@h:1/d"]).database).toEqual({
      type: "mysql",
      url: "mysql://a:b@h:1/d",
    });
  });

  it("takes --dry-run and --drop-legacy in any order, with or without a database", () => {
    expect(parseMigrateArgs(["--dry-run"])).toEqual({ database: null, dryRun: true, dropLegacy: false });
    expect(parseMigrateArgs(["--drop-legacy", "--sqlite", "a.db", "--dry-run"])).toEqual({
      database: { type: "sqlite", path: "a.db" },
      dryRun: true,
      dropLegacy: true,
    });
    expect(parseMigrateArgs(["--config", "x.toml"])).toMatchObject({ database: null, configFile: "x.toml" });
    expect(parseMigrateArgs(["--help"]).help).toBe(true);
  });

  it("rejects unknown options, missing values and two databases", () => {
    expect(() => parseMigrateArgs(["--postgres", "x"])).toThrow(/unknown option --postgres/);
    expect(() => parseMigrateArgs(["--sqlite"])).toThrow(/--sqlite needs a value/);
    expect(() => parseMigrateArgs(["--sqlite", "--dry-run"])).toThrow(/--sqlite needs a value/);
    expect(() => parseMigrateArgs(["--sqlite", "a", "--mysql", "mysql://h/d"])).toThrow(/one database/);
    expect(() => parseMigrateArgs(["--sqlite", "a", "--config", "b"])).toThrow(/not both/);
  });
});

describe("databaseOptions (the database migrate takes from the configuration)", () => {
  const cwd = path.resolve("/tmp/arcade-migrate-args");

  it("is the platform's database: the SQLite file of the configuration", () => {
    const config = loadConfig({ env: { ARCADE_DATABASE_SQLITE_PATH: "db/a.db" }, cwd });
    expect(databaseOptions(config)).toEqual({ type: "sqlite", path: path.join(cwd, "db/a.db") });
  });

  it("reads MySQL from ARCADE_DATABASE_* (URL and parts; a part wins over the URL)", () => {
    const config = loadConfig({
      env: {
        ARCADE_DATABASE_TYPE: "mysql",
        ARCADE_DATABASE_URL: "mysql://u:pw@db.example:3307/arc",
        ARCADE_DATABASE_PASSWORD: "secret",
      },
      cwd,
    });
    expect(databaseOptions(config)).toMatchObject({
      type: "mysql",
      host: "db.example",
      port: 3307,
      user: "u",
      password: "secret",
      database: "arc",
    });
  });

  it("a bad value stops with the config's message naming the key", () => {
    expect(() => loadConfig({ env: { ARCADE_DATABASE_TYPE: "oracle" }, cwd })).toThrow(
      /ARCADE_DATABASE_TYPE/,
    );
  });
});

describe("describeTarget", () => {
  it("never prints the password", () => {
    expect(describeTarget({ type: "mysql", url: "mysql://arcade:hunter2@db:3306/arcade" })).toBe(
      "mysql mysql://arcade:***@db:3306/arcade",
    );
    expect(
      describeTarget({ type: "mysql", host: "db", port: 3306, user: "u", password: "p", database: "a" }),
    ).toBe("mysql u@db:3306/a");
  });
});
