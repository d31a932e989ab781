import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import { assertParams, validateParams } from "./validate-params.js";

describe("validateParams", () => {
  it("applies a whole-form schema to every action, pointers under /params", () => {
    const schema = { type: "object", properties: { prefix: { type: "string" } } };
    expect(validateParams(schema, "send", { prefix: "x" })).toEqual([]);
    expect(validateParams(schema, "anything", { prefix: 1 })).toEqual([
      { path: "/params/prefix", message: "must be string" },
    ]);
  });

  it("applies per-action schemas by action name", () => {
    const schema = { actions: { send: { type: "object", required: ["text"] } } };
    expect(validateParams(schema, "send", {})).toEqual([{ path: "/params/text", message: "is required" }]);
    expect(validateParams(schema, "send", { text: "hi" })).toEqual([]);
    expect(validateParams(schema, "sendTemplate", { whatever: 1 })).toEqual([]);
  });

  it("treats missing params as {}", () => {
    expect(validateParams({ type: "object" }, "x", undefined)).toEqual([]);
    expect(validateParams({ type: "object", required: ["a"] }, "x", undefined)).toEqual([
      { path: "/params/a", message: "is required" },
    ]);
  });

  it("accepts anything without a schema", () => {
    expect(validateParams(null, "x", 42)).toEqual([]);
  });

  it("assertParams throws PARAMS_INVALID", () => {
    expect(() => assertParams(null, "x", {})).not.toThrow();
    let caught: unknown;
    try {
      assertParams({ type: "object", required: ["a"] }, "send", {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ code: "PARAMS_INVALID", errors: [{ path: "/params/a" }] });
  });
});
