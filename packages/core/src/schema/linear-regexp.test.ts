import { describe, expect, it } from "vitest";
import { validateManifest } from "../manifest/index.js";
import { linearPatternProblem, linearRegExp, MAX_PATTERN_CHARS } from "./linear-regexp.js";
import { validateConfig } from "./validate-config.js";
import { validateParams } from "./validate-params.js";

// Each of these backtracks exponentially in JavaScript's engine on "a"... + "!": a test
// that runs them on a backtracking engine does not finish.
const BACKTRACKING = ["^(\\w|\\d)*$", "^(a|a)*$", "^\\d*\\d*\\d*\\d*x", "^(a+)+$", "^(\\w+\\s?)*$"];
const HOSTILE = `${"a".repeat(29)}!`;
const LONG_HOSTILE = `${"a".repeat(50_000)}!`;

describe("linearRegExp (ajv's engine for plugin patterns)", () => {
  it.each(BACKTRACKING)(
    "compiles %s and answers at once on input that backtracks in JavaScript",
    (pattern) => {
      const re = linearRegExp(pattern, "u");
      expect(re.test(HOSTILE)).toBe(false);
      expect(re.test(LONG_HOSTILE)).toBe(false);
    },
  );

  it("matches like a RegExp for ordinary patterns, unicode classes included", () => {
    expect(linearRegExp("^[a-z0-9-]+$", "u").test("my-plugin-2")).toBe(true);
    expect(linearRegExp("^[a-z0-9-]+$", "u").test("My Plugin")).toBe(false);
    expect(linearRegExp("^\\p{L}+$", "u").test("héllo")).toBe(true);
    expect(linearRegExp("^https?://[^\\s]+$", "u").test("https://hooks.example/x")).toBe(true);
    expect(linearRegExp("^(a|a)*$", "u").test("aaaa")).toBe(true);
  });

  it.each([
    ["(a)\\1", /backreferences/],
    ["(?<x>a)\\k<x>", /backreferences/],
    ["a(?=b)", /lookaround/],
    ["a(?!b)", /lookaround/],
    ["(?<=a)b", /lookaround/],
    ["(?<!a)b", /lookaround/],
  ])("refuses %s, saying why and what to change", (pattern, what) => {
    const problem = linearPatternProblem(pattern);
    expect(problem).toMatch(/cannot be compiled by RE2/);
    expect(problem).toMatch(what);
    expect(() => linearRegExp(pattern, "u")).toThrow(/RE2/);
  });

  it("says a pattern that is no regular expression at all is just that", () => {
    expect(linearPatternProblem("(")).toMatch(/^is not a valid regular expression \(/);
  });

  it("refuses a pattern longer than the limit", () => {
    expect(linearPatternProblem("a".repeat(MAX_PATTERN_CHARS + 1))).toMatch(/longer than/);
    expect(linearPatternProblem("a".repeat(MAX_PATTERN_CHARS))).toBeNull();
  });
});

function manifestWith(extra: Record<string, unknown>) {
  return { name: "patterns", version: "1.0.0", pluginType: "custom", entryPoint: "index.mjs", ...extra };
}

describe("plugin schema patterns", () => {
  it.each(BACKTRACKING)("a manifest whose configSchema and paramsSchema use %s is valid", (pattern) => {
    const result = validateManifest(
      manifestWith({
        configSchema: { type: "object", properties: { a: { type: "string", pattern } } },
        paramsSchema: { type: "object", properties: { text: { type: "string", pattern } } },
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("config and params are validated against such a pattern at once", () => {
    const schema = { type: "object", properties: { a: { type: "string", pattern: "^(a|a)*$" } } };
    expect(validateConfig(schema, { a: HOSTILE })).toEqual([
      { path: "/a", message: 'must match pattern "^(a|a)*$"' },
    ]);
    expect(validateConfig(schema, { a: "aaa" })).toEqual([]);
    expect(validateParams(schema, "send", { a: LONG_HOSTILE })).toEqual([
      { path: "/params/a", message: 'must match pattern "^(a|a)*$"' },
    ]);
  });

  it("a pattern RE2 cannot compile makes the manifest invalid, pointing at the pattern", () => {
    const result = validateManifest(
      manifestWith({
        configSchema: {
          type: "object",
          properties: { a: { type: "string", pattern: "^(a)\\1$" } },
          patternProperties: { "^x(?=y)": { type: "string" } },
        },
        paramsSchema: {
          actions: { send: { type: "object", properties: { to: { anyOf: [{ pattern: "(?<!a)b" }] } } } },
        },
      }),
    );
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path).sort()).toEqual([
      "/configSchema/patternProperties/^x(?=y)",
      "/configSchema/properties/a/pattern",
      "/paramsSchema/actions/send/properties/to/anyOf/0/pattern",
    ]);
    for (const error of result.errors) expect(error.message).toMatch(/cannot be compiled by RE2/);
  });

  it("validating against a schema with such a pattern reports it instead of running it", () => {
    const errors = validateConfig({ type: "object", properties: { a: { pattern: "(a)\\1" } } }, { a: "aa" });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/properties\/a\/pattern cannot be compiled by RE2/);
  });
});
