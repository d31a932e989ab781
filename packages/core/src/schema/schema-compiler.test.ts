import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import {
  clearSchemaCache,
  SCHEMA_CACHE_SIZE,
  SCHEMA_DOCUMENT_LIMITS,
  schemaCacheSize,
  validateAgainst,
  validateJsonSchemaDocument,
} from "./schema-compiler.js";

beforeEach(() => clearSchemaCache());

describe("validateJsonSchemaDocument", () => {
  it("accepts usable schemas in each dialect, and boolean schemas", () => {
    expect(validateJsonSchemaDocument({ type: "object", properties: { a: { type: "string" } } })).toEqual([]);
    expect(
      validateJsonSchemaDocument({ $schema: "http://json-schema.org/draft-07/schema#", type: "string" }),
    ).toEqual([]);
    expect(
      validateJsonSchemaDocument({
        $schema: "https://json-schema.org/draft/2019-09/schema",
        $defs: { a: { type: "string" } },
      }),
    ).toEqual([]);
    expect(
      validateJsonSchemaDocument({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        prefixItems: [{ type: "string" }],
      }),
    ).toEqual([]);
    expect(validateJsonSchemaDocument(true)).toEqual([]);
    expect(validateJsonSchemaDocument(false)).toEqual([]);
  });

  it("ignores unknown keywords and unknown formats (annotations)", () => {
    expect(validateJsonSchemaDocument({ type: "string", "x-order": 1, format: "my-format" })).toEqual([]);
  });

  it("rejects a document that is not a schema", () => {
    for (const bad of [null, 1, "x", [], undefined]) {
      expect(validateJsonSchemaDocument(bad, "/configSchema")).toEqual([
        { path: "/configSchema", message: "must be a JSON Schema (an object or a boolean)" },
      ]);
    }
  });

  it("reports meta-schema violations with pointers into the schema", () => {
    expect(validateJsonSchemaDocument({ type: "strin" }, "/configSchema")).toEqual([
      { path: "/configSchema/type", message: expect.stringContaining('must be one of "array", "boolean"') },
    ]);
    expect(validateJsonSchemaDocument({ properties: { a: { minLength: -1 } } }, "/c")).toEqual([
      { path: "/c/properties/a/minLength", message: "must be >= 0" },
    ]);
    expect(validateJsonSchemaDocument({ required: "a" })).toEqual([
      { path: "/required", message: "must be array" },
    ]);
  });

  it("catches what only compiling finds: bad regular expressions and unresolvable $refs", () => {
    expect(validateJsonSchemaDocument({ pattern: "(" })).toEqual([
      {
        path: "/pattern",
        message: expect.stringMatching(/^is not a valid regular expression \(Invalid regular/),
      },
    ]);
    expect(validateJsonSchemaDocument({ $ref: "#/definitions/missing" })[0]?.message).toMatch(
      /can't resolve reference/,
    );
    expect(validateJsonSchemaDocument({ $ref: "https://example.com/remote.json" })[0]?.message).toMatch(
      /can't resolve/,
    );
  });

  it("refuses unsupported dialects and async schemas", () => {
    expect(validateJsonSchemaDocument({ $schema: "http://json-schema.org/draft-04/schema#" }, "/p")).toEqual([
      { path: "/p/$schema", message: expect.stringMatching(/^must be one of/) },
    ]);
    expect(validateJsonSchemaDocument({ $async: true, type: "object" })).toEqual([
      { path: "/$async", message: "async schemas are not supported" },
    ]);
  });

  it("bounds the document before compiling it", () => {
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 40; i += 1) deep = { type: "object", properties: { a: deep } };
    expect(validateJsonSchemaDocument(deep)[0]?.message).toMatch(/nests deeper than 64/);
    const wide = { enum: Array.from({ length: 30_000 }, (_, i) => i) };
    expect(validateJsonSchemaDocument(wide)[0]?.message).toMatch(/more than 20000 values/);
    const big = { description: "x".repeat(SCHEMA_DOCUMENT_LIMITS.maxBytes) };
    expect(validateJsonSchemaDocument(big)[0]?.message).toMatch(/larger than 262144 bytes/);
    const cyclic: Record<string, unknown> = { type: "object" };
    cyclic.properties = { self: cyclic };
    expect(validateJsonSchemaDocument(cyclic)[0]?.message).toMatch(/cycle/);
  });

  it("never throws on random JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const errors = validateJsonSchemaDocument(value, "/s");
        for (const e of errors) expect(e.path.startsWith("/s")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("validateAgainst", () => {
  const schema = {
    type: "object",
    required: ["url"],
    additionalProperties: false,
    properties: {
      url: { type: "string", format: "uri" },
      prefix: { type: "string" },
      n: { type: "integer", minimum: 1 },
    },
  };

  it("accepts a valid value", () => {
    expect(validateAgainst(schema, { url: "https://x.test", n: 2 })).toEqual([]);
  });

  it("returns all errors with prefixed pointers and readable messages", () => {
    expect(validateAgainst(schema, { prefix: 1, n: 0, other: true }, "/params")).toEqual([
      { path: "/params/url", message: "is required" },
      { path: "/params/other", message: "is not an allowed property" },
      { path: "/params/prefix", message: "must be string" },
      { path: "/params/n", message: "must be >= 1" },
    ]);
  });

  it("handles recursive schemas and $id", () => {
    const tree = {
      $id: "https://example.com/tree",
      type: "object",
      properties: { kids: { type: "array", items: { $ref: "#" } }, v: { type: "number" } },
    };
    expect(validateAgainst(tree, { kids: [{ kids: [{ v: "x" }] }] })).toEqual([
      { path: "/kids/0/kids/0/v", message: "must be number" },
    ]);
    // a different schema with the same $id compiles too
    const other = { ...tree, properties: { v: { type: "string" } } };
    expect(validateAgainst(other, { v: 1 })).toEqual([{ path: "/v", message: "must be string" }]);
    expect(validateAgainst(tree, { v: 1 })).toEqual([]);
  });

  it("says so when the schema itself is unusable", () => {
    expect(validateAgainst({ type: "strin" }, "x", "/config")).toEqual([
      {
        path: "/config",
        message: expect.stringMatching(/^cannot be checked: its schema is not a valid JSON Schema \(\/type/),
      },
    ]);
  });

  it("turns a stack overflow on a deep value into an error", () => {
    const tree = { type: "object", properties: { c: { $ref: "#" } } };
    let value: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i += 1) value = { c: value };
    const errors = validateAgainst(tree, value);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/could not be validated/);
  });

  it("does not see later changes to the caller's schema object through the JSON cache", () => {
    const a = { type: "string" };
    expect(validateAgainst(a, 1)).toHaveLength(1);
    const b = { type: "string" };
    expect(validateAgainst(b, "x")).toEqual([]);
  });
});

describe("validator cache", () => {
  it("reuses a compiled schema for equal documents", () => {
    validateAgainst({ type: "string" }, "a");
    validateAgainst({ type: "string" }, "b");
    expect(schemaCacheSize()).toBe(1);
  });

  it("stays bounded", () => {
    for (let i = 0; i < SCHEMA_CACHE_SIZE + 50; i += 1)
      validateAgainst({ type: "string", maxLength: i }, "x");
    expect(schemaCacheSize()).toBe(SCHEMA_CACHE_SIZE);
    // an evicted schema still validates (recompiled)
    expect(validateAgainst({ type: "string", maxLength: 0 }, "x")).toEqual([
      { path: "", message: "must NOT have more than 0 characters" },
    ]);
  });
});
