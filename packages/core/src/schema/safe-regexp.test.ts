import { describe, expect, it } from "vitest";
import { validateManifest } from "../manifest/index.js";
import { unsafePatternReason } from "./safe-regexp.js";
import { validateConfig } from "./validate-config.js";

describe("unsafePatternReason", () => {
  it.each(["^(a+)+$", "(a*)*", "^(\\w+\\s?)*$", "(x{2,})+", "((ab)+c)*", "(a|b+)+", "(.*a){12}"])(
    "refuses nested quantifiers: %s",
    (pattern) => {
      expect(unsafePatternReason(pattern)).toMatch(/nested quantifiers/);
    },
  );

  it("refuses backreferences and very long patterns", () => {
    expect(unsafePatternReason("(a)\\1")).toMatch(/backreference/);
    expect(unsafePatternReason("(?<x>a)\\k<x>")).toMatch(/backreference/);
    expect(unsafePatternReason("a".repeat(1001))).toMatch(/longer than/);
  });

  it.each([
    "^[a-z0-9-]+$",
    "^(?:\\d+m|\\d+(?:\\.\\d+)?)$",
    "^https?://[^\\s]+$",
    "^(foo|bar)-\\d{1,3}$",
    "^[(+*)]+$",
    "^(ab)+$",
    "^\\(a+\\)+$",
  ])("accepts ordinary patterns: %s", (pattern) => {
    expect(unsafePatternReason(pattern)).toBeNull();
  });
});

describe("schema patterns from plugins", () => {
  it("a manifest whose configSchema has a catastrophic pattern is invalid, and validating it returns at once", () => {
    const result = validateManifest({
      name: "redos",
      version: "1.0.0",
      pluginType: "custom",
      entryPoint: "index.mjs",
      configSchema: { type: "object", properties: { a: { type: "string", pattern: "^(a+)+$" } } },
      defaultConfig: { a: `${"a".repeat(40)}!` },
    });
    expect(result.valid).toBe(false);
    expect(JSON.stringify(result.errors)).toMatch(/nested quantifiers/);
  });

  it("config validation against such a schema reports it instead of running it", () => {
    const errors = validateConfig(
      { type: "object", properties: { a: { type: "string", pattern: "(a*)*$" } } },
      {
        a: `${"a".repeat(40)}!`,
      },
    );
    expect(errors.length).toBeGreaterThan(0);
  });
});
