import { describe, expect, it } from "vitest";
import { linearPatternProblems, schemaPatterns } from "./schema-patterns.js";

describe("schemaPatterns", () => {
  it("finds patterns in every subschema position, with escaped pointers", () => {
    const schema = {
      pattern: "^root$",
      properties: { "a/b": { pattern: "^ab$" }, "t~": { items: { pattern: "^item$" } } },
      patternProperties: { "^p[0-9]$": { pattern: "^pp$" } },
      items: [{ pattern: "^tuple$" }],
      prefixItems: [{ pattern: "^prefix$" }],
      allOf: [{ not: { pattern: "^not$" } }],
      if: { pattern: "^if$" },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword
      then: { pattern: "^then$" },
      else: { pattern: "^else$" },
      additionalProperties: { pattern: "^extra$" },
      propertyNames: { pattern: "^name$" },
      contains: { pattern: "^contains$" },
      $defs: { d: { pattern: "^defs$" } },
      definitions: { d: { pattern: "^definitions$" } },
      dependentSchemas: { a: { pattern: "^dependent$" } },
      dependencies: { a: { pattern: "^dependency$" }, b: ["a"] },
      unevaluatedProperties: { pattern: "^unevaluated$" },
    };
    const found = new Map(schemaPatterns(schema, "/configSchema").map((p) => [p.path, p.pattern]));
    expect(found.get("/configSchema/pattern")).toBe("^root$");
    expect(found.get("/configSchema/properties/a~1b/pattern")).toBe("^ab$");
    expect(found.get("/configSchema/properties/t~0/items/pattern")).toBe("^item$");
    expect(found.get("/configSchema/patternProperties/^p[0-9]$")).toBe("^p[0-9]$");
    expect(found.get("/configSchema/patternProperties/^p[0-9]$/pattern")).toBe("^pp$");
    expect(found.get("/configSchema/items/0/pattern")).toBe("^tuple$");
    expect(found.get("/configSchema/allOf/0/not/pattern")).toBe("^not$");
    expect(found.get("/configSchema/dependencies/a/pattern")).toBe("^dependency$");
    expect(found.size).toBe(19);
  });

  it("leaves data and unknown keywords alone: only what ajv would run is a pattern", () => {
    const schema = {
      enum: [{ pattern: "(a)\\1" }],
      const: { pattern: "(a)\\1" },
      default: { pattern: "(a)\\1" },
      examples: [{ pattern: "(a)\\1" }],
      "x-ui": { pattern: "(?=x)" },
      properties: { pattern: { type: "string" } },
    };
    expect(schemaPatterns(schema)).toEqual([]);
    expect(linearPatternProblems(schema)).toEqual([]);
  });

  it("reports each pattern RE2 cannot compile at its own pointer", () => {
    const problems = linearPatternProblems({
      properties: { ok: { pattern: "^(a|a)*$" }, bad: { pattern: "(x)\\1" } },
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe("/properties/bad/pattern");
  });
});
