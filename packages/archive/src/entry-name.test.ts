import { describe, expect, it } from "vitest";
import { entryCollisionKey, entryNameProblem, isDirectoryName } from "./entry-name.js";

describe("entry names", () => {
  it("accepts ordinary names and folders", () => {
    for (const name of [
      "index.js",
      "lib/a.js",
      "lib/",
      "a b/c-d_e.f",
      "日本/ファイル.js",
      ".hidden",
      "a..b",
    ]) {
      expect(entryNameProblem(name), name).toBeNull();
    }
  });

  it("rejects a folder with two trailing slashes", () => {
    expect(entryNameProblem("lib//")).toMatch(/empty segment/);
  });

  it("knows folders by their trailing slash", () => {
    expect(isDirectoryName("a/")).toBe(true);
    expect(isDirectoryName("a")).toBe(false);
  });

  it("collision keys fold case, Unicode forms and the folder slash", () => {
    expect(entryCollisionKey("Lib/A.JS")).toBe(entryCollisionKey("lib/a.js"));
    expect(entryCollisionKey("cafe\u0301")).toBe(entryCollisionKey("caf\u00e9"));
    expect(entryCollisionKey("ＡＢ.js")).toBe(entryCollisionKey("ab.js"));
    expect(entryCollisionKey("lib/")).toBe(entryCollisionKey("lib"));
    expect(entryCollisionKey("a.js")).not.toBe(entryCollisionKey("b.js"));
  });
});
