import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import { MAX_VALUE_STRING_CHARS, overlongStrings } from "./string-cap.js";
import { validateConfig } from "./validate-config.js";
import { assertParams, validateParams } from "./validate-params.js";

const atCap = "x".repeat(MAX_VALUE_STRING_CHARS);
const overCap = `${atCap}x`;

describe("overlongStrings", () => {
  it("finds every string and key over the cap, at its pointer", () => {
    const errors = overlongStrings({ a: [1, "ok", overCap], b: { c: overCap }, [overCap]: 1 }, "/params");
    expect(errors.map((e) => e.path).sort()).toEqual(
      [`/params/${"x".repeat(32)}...`, "/params/a/2", "/params/b/c"].sort(),
    );
    for (const e of errors) expect(e.message).toMatch(`longer than ${MAX_VALUE_STRING_CHARS} characters`);
  });

  it("lets strings at the cap through, and survives shared and cyclic objects", () => {
    const shared = { s: atCap };
    const cyclic: Record<string, unknown> = { shared, again: shared };
    cyclic.self = cyclic;
    expect(overlongStrings(cyclic)).toEqual([]);
    expect(overlongStrings(overCap)).toHaveLength(1);
  });
});

describe("the cap on config and params", () => {
  it("refuses an overlong config string before the schema runs, and without a schema", () => {
    const schema = { type: "object", properties: { a: { type: "string", format: "uri" } } };
    expect(validateConfig(schema, { a: overCap })).toEqual([
      { path: "/a", message: expect.stringMatching(/longer than/) },
    ]);
    expect(validateConfig(null, { a: overCap })).toHaveLength(1);
    expect(validateConfig(null, { a: atCap })).toEqual([]);
  });

  it("refuses overlong params as PARAMS_INVALID, whatever the paramsSchema", () => {
    expect(validateParams(null, "send", { text: overCap })).toEqual([
      { path: "/params/text", message: expect.stringMatching(/longer than/) },
    ]);
    expect(validateParams(null, "send", { text: atCap })).toEqual([]);
    try {
      assertParams({ type: "object" }, "send", { text: overCap });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("PARAMS_INVALID");
    }
  });
});
