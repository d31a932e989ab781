import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import { assertConfig, validateConfig } from "./validate-config.js";

const schema = {
  type: "object",
  required: ["webhookUrl"],
  properties: { webhookUrl: { type: "string", format: "uri" } },
};

describe("validateConfig", () => {
  it("accepts a config that satisfies the schema", () => {
    expect(validateConfig(schema, { webhookUrl: "https://hooks.test/x" })).toEqual([]);
  });

  it("reports errors with pointers into the config", () => {
    expect(validateConfig(schema, { webhookUrl: "not a url" })).toEqual([
      { path: "/webhookUrl", message: "must be a valid uri" },
    ]);
    expect(validateConfig(schema, {})).toEqual([{ path: "/webhookUrl", message: "is required" }]);
  });

  it("accepts any object when there is no schema", () => {
    expect(validateConfig(null, { anything: 1 })).toEqual([]);
    expect(validateConfig(undefined, {})).toEqual([]);
  });

  it("requires a JSON object", () => {
    for (const bad of [null, [], "x", 1, undefined]) {
      expect(validateConfig(null, bad)).toEqual([{ path: "", message: "must be a JSON object" }]);
    }
  });

  it("assertConfig throws CONFIG_INVALID with every error", () => {
    expect(() => assertConfig(schema, { webhookUrl: "https://x.test" })).not.toThrow();
    try {
      assertConfig(schema, {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: "CONFIG_INVALID", status: 422, errors: [{ path: "/webhookUrl" }] });
      expect((error as AppError).detail).toContain("/webhookUrl: is required");
    }
  });
});
