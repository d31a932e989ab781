import { describe, expect, it } from "vitest";
import { isPerActionParamsSchema, paramsSchemaFor, validateParamsSchemaDocument } from "./params-schema.js";

const perAction = {
  actions: { send: { type: "object", required: ["text"] }, ping: true },
};

describe("paramsSchema forms", () => {
  it("tells the per-action form by its actions object", () => {
    expect(isPerActionParamsSchema(perAction)).toBe(true);
    expect(isPerActionParamsSchema({ type: "object", properties: { actions: { type: "array" } } })).toBe(
      false,
    );
    expect(isPerActionParamsSchema({ actions: [] })).toBe(false);
    expect(isPerActionParamsSchema(null)).toBe(false);
  });

  it("picks the schema that applies to an action", () => {
    const whole = { type: "object" };
    expect(paramsSchemaFor(whole, "anything")).toBe(whole);
    expect(paramsSchemaFor(perAction, "send")).toBe(perAction.actions.send);
    expect(paramsSchemaFor(perAction, "other")).toBeNull();
    expect(paramsSchemaFor(perAction, "__proto__")).toBeNull();
    expect(paramsSchemaFor(perAction, "toString")).toBeNull();
    expect(paramsSchemaFor(null, "send")).toBeNull();
    expect(paramsSchemaFor(undefined, "send")).toBeNull();
  });
});

describe("validateParamsSchemaDocument", () => {
  it("checks a whole-form schema", () => {
    expect(validateParamsSchemaDocument({ type: "object" }, "/paramsSchema")).toEqual([]);
    expect(validateParamsSchemaDocument({ type: 1 }, "/paramsSchema")[0]?.path).toBe("/paramsSchema/type");
  });

  it("checks every action's schema in the per-action form", () => {
    expect(validateParamsSchemaDocument(perAction, "/paramsSchema")).toEqual([]);
    const bad = { actions: { send: { type: "nope" }, "a/b": { required: 1 } } };
    expect(validateParamsSchemaDocument(bad, "/paramsSchema").map((e) => e.path)).toEqual([
      "/paramsSchema/actions/send/type",
      "/paramsSchema/actions/a~1b/required",
    ]);
  });

  it("allows only annotations beside actions", () => {
    expect(
      validateParamsSchemaDocument({ ...perAction, description: "d", title: "t", $comment: "c" }),
    ).toEqual([]);
    expect(validateParamsSchemaDocument({ ...perAction, type: "object" }, "/p")).toEqual([
      { path: "/p/type", message: expect.stringMatching(/not allowed beside "actions"/) },
    ]);
  });
});
