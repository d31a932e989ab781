import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MANIFEST_JSON_LIMITS, maxNesting, parseManifestJson } from "./manifest-json.js";

describe("parseManifestJson", () => {
  it("parses JSON", () => {
    expect(parseManifestJson('{"a":[1,{"b":null}]}')).toEqual({ ok: true, value: { a: [1, { b: null }] } });
  });

  it("ignores a leading byte order mark", () => {
    expect(parseManifestJson('\ufeff{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it("turns invalid JSON into one error at path '' with the parser's message", () => {
    const result = parseManifestJson("{ nope");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.path).toBe("");
      expect(result.errors[0]!.message).toMatch(/^is not valid JSON: .+/);
    }
    expect(parseManifestJson("").ok).toBe(false);
  });

  it("refuses a text over 1 MiB", () => {
    const text = JSON.stringify({ d: "x".repeat(MANIFEST_JSON_LIMITS.maxBytes) });
    expect(parseManifestJson(text)).toEqual({
      ok: false,
      errors: [{ path: "", message: expect.stringMatching(/at most 1048576 bytes/) }],
    });
  });

  it("counts bytes, not characters", () => {
    const text = JSON.stringify({ d: "é".repeat(600 * 1024) }); // 1.2 MB of UTF-8, 600k chars
    expect(parseManifestJson(text).ok).toBe(false);
  });

  it("refuses nesting deeper than 64 (a bracket bomb) without parsing it", () => {
    expect(parseManifestJson(`${"[".repeat(64)}${"]".repeat(64)}`).ok).toBe(true);
    expect(parseManifestJson(`${"[".repeat(65)}${"]".repeat(65)}`)).toEqual({
      ok: false,
      errors: [{ path: "", message: "nests deeper than 64 levels" }],
    });
    expect(parseManifestJson("[".repeat(500_000)).ok).toBe(false);
  });

  it("does not count brackets inside strings", () => {
    expect(parseManifestJson(JSON.stringify({ s: "[".repeat(100) })).ok).toBe(true);
    expect(parseManifestJson(JSON.stringify({ s: '\\"[[[[' })).ok).toBe(true);
  });

  it("never throws on any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.json()), (text) => {
        const result = parseManifestJson(text);
        if (!result.ok) expect(result.errors[0]!.path).toBe("");
      }),
      { numRuns: 500 },
    );
  });

  it("refuses what is not a string", () => {
    expect(parseManifestJson(42 as unknown as string).ok).toBe(false);
  });
});

describe("maxNesting", () => {
  it("measures container depth outside strings", () => {
    expect(maxNesting("1")).toBe(0);
    expect(maxNesting("{}")).toBe(1);
    expect(maxNesting('{"a":[[]]}')).toBe(3);
    expect(maxNesting('["]]]", [1]]')).toBe(2);
  });

  it("agrees with the real depth of generated JSON", () => {
    const depth = (v: unknown): number =>
      v !== null && typeof v === "object" ? 1 + Math.max(0, ...Object.values(v as object).map(depth)) : 0;
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(maxNesting(JSON.stringify(v))).toBe(depth(v));
      }),
    );
  });
});
