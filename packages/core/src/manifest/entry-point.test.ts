import { describe, expect, it } from "vitest";
import { entryPointProblem, normaliseEntryPoint } from "./entry-point.js";
import { relativePathProblem } from "./relative-path.js";

describe("relativePathProblem", () => {
  it("accepts safe relative paths", () => {
    for (const p of ["a", "a/b", "a/b.c/d", ".hidden", "a..b", "x/...", "日本/ファイル", "a b"]) {
      expect(relativePathProblem(p), p).toBeNull();
    }
  });

  it.each([
    ["", /empty/],
    ["/abs", /absolute/],
    ["C:/x", /drive letter/],
    ["c:x", /drive letter/],
    ["a\\b", /backslash/],
    ["a\u0000b", /control/],
    ["a\u001fb", /control/],
    ["a\u007fb", /control/],
    ["a\u009bb", /control/],
    ["a//b", /empty segment/],
    ["a/", /empty segment/],
    ["../a", /"\.\." segment/],
    ["a/../b", /"\.\." segment/],
    ["a/..", /"\.\." segment/],
    ["./a", /"\." segment/],
    ["a/./b", /"\." segment/],
    [`${"x".repeat(256)}`, /longer than 255/],
    [`${"é".repeat(128)}`, /longer than 255/], // 256 bytes of UTF-8
  ])("rejects %j", (path, reason) => {
    expect(relativePathProblem(path)).toMatch(reason);
  });
});

describe("entryPoint", () => {
  it("normalises a leading ./", () => {
    expect(normaliseEntryPoint("./index.js")).toBe("index.js");
    expect(normaliseEntryPoint("././dist/a.mjs")).toBe("dist/a.mjs");
    expect(normaliseEntryPoint("dist/./a.js")).toBe("dist/./a.js");
  });

  it("accepts .js and .mjs modules", () => {
    for (const p of ["index.js", "./index.js", "dist/main.mjs", "a.b.js", ".x.js"])
      expect(entryPointProblem(p), p).toBeNull();
  });

  it("rejects other files", () => {
    for (const p of [
      "index.ts",
      "index.cjs",
      "index.json",
      "index.JS",
      "index",
      ".js",
      "dist/.mjs",
      "index.js/",
    ]) {
      expect(entryPointProblem(p), p).not.toBeNull();
    }
  });

  it("rejects unsafe paths with the reason", () => {
    expect(entryPointProblem("../evil.js")).toMatch(
      /relative path inside the plugin: it has a "\.\." segment/,
    );
    expect(entryPointProblem("/abs.js")).toMatch(/absolute/);
    expect(entryPointProblem("a\\b.js")).toMatch(/backslash/);
    expect(entryPointProblem("C:/b.js")).toMatch(/drive letter/);
    expect(entryPointProblem("a\u0000.js")).toMatch(/control/);
    expect(entryPointProblem("a//b.js")).toMatch(/empty segment/);
  });
});
