import { describe, expect, it } from "vitest";
import { describeTarget, parseMigrateArgs } from "./migrate-args.js";

describe("parseMigrateArgs", () => {
  it("takes --sqlite and --mysql", () => {
    expect(parseMigrateArgs(["--sqlite", "/tmp/x.db"], {})).toEqual({ type: "sqlite", path: "/tmp/x.db" });
    expect(parseMigrateArgs(["--mysql", "mysql://a:b@h:1/d"], {})).toEqual({
      type: "mysql",
      url: "mysql://a:b@h:1/d",
    });
  });

  it("rejects unknown options and missing values", () => {
    expect(() => parseMigrateArgs(["--postgres", "x"], {})).toThrow(/unknown option --postgres/);
    expect(() => parseMigrateArgs(["--sqlite"], {})).toThrow(/expected one option/);
  });

  it("falls back to ARCADE_DATABASE_* variables", () => {
    expect(parseMigrateArgs([], {})).toEqual({ type: "sqlite", path: ".data/arcade.db" });
    expect(
      parseMigrateArgs([], {
        ARCADE_DATABASE_TYPE: "mysql",
        ARCADE_DATABASE_URL: "mysql://u@h/d",
        ARCADE_DATABASE_PORT: "3307",
        ARCADE_DATABASE_PASSWORD: "secret",
      }),
    ).toEqual({ type: "mysql", url: "mysql://u@h/d", port: 3307, password: "secret" });
    expect(() => parseMigrateArgs([], { ARCADE_DATABASE_TYPE: "oracle" })).toThrow(/sqlite or mysql/);
    expect(() => parseMigrateArgs([], { ARCADE_DATABASE_TYPE: "mysql", ARCADE_DATABASE_PORT: "x" })).toThrow(
      /port number/,
    );
  });

  it("never prints the password", () => {
    expect(describeTarget({ type: "mysql", url: "mysql://arcade:hunter2@db:3306/arcade" })).toBe(
      "mysql mysql://arcade:***@db:3306/arcade",
    );
  });
});
