import type { ErrorObject } from "ajv";
import { describe, expect, it } from "vitest";
import { createAjv } from "./ajv-factory.js";
import {
  ajvErrorsToFieldErrors,
  capFieldErrors,
  formatFieldErrors,
  MAX_FIELD_ERRORS,
} from "./field-errors.js";
import { escapePointerToken, joinPointer } from "./json-pointer.js";

function errorsOf(schema: object, value: unknown): ErrorObject[] {
  const ajv = createAjv();
  const validate = ajv.compile(schema);
  validate(value);
  return validate.errors ?? [];
}

describe("ajvErrorsToFieldErrors", () => {
  it("prefixes pointers with the base path", () => {
    const errors = errorsOf({ properties: { prefix: { type: "string" } } }, { prefix: 1 });
    expect(ajvErrorsToFieldErrors(errors, "/params")).toEqual([
      { path: "/params/prefix", message: "must be string" },
    ]);
  });

  it("points a missing required property at the property", () => {
    const errors = errorsOf({ type: "object", required: ["url"] }, {});
    expect(ajvErrorsToFieldErrors(errors, "/config")).toEqual([
      { path: "/config/url", message: "is required" },
    ]);
  });

  it("points an unknown property at the property", () => {
    const errors = errorsOf({ type: "object", additionalProperties: false }, { extra: 1 });
    expect(ajvErrorsToFieldErrors(errors)).toEqual([
      { path: "/extra", message: "is not an allowed property" },
    ]);
  });

  it("escapes property names in pointers", () => {
    const errors = errorsOf({ type: "object", required: ["a/b~c"] }, {});
    expect(ajvErrorsToFieldErrors(errors)[0]?.path).toBe("/a~1b~0c");
  });

  it("lists enum values", () => {
    const errors = errorsOf({ enum: ["red", "green"] }, "blue");
    expect(ajvErrorsToFieldErrors(errors)).toEqual([{ path: "", message: 'must be one of "red", "green"' }]);
  });

  it("folds a union of constants into one message", () => {
    const errors = errorsOf({ anyOf: [{ const: "a" }, { const: "b" }, { const: "c" }] }, "z");
    expect(ajvErrorsToFieldErrors(errors)).toEqual([{ path: "", message: 'must be one of "a", "b", "c"' }]);
  });

  it("folds type alternatives into one message", () => {
    const errors = errorsOf({ anyOf: [{ type: "string" }, { type: "number" }] }, true);
    expect(ajvErrorsToFieldErrors(errors)).toEqual([
      { path: "", message: "must be string or must be number" },
    ]);
  });

  it("keeps ajv's message when oneOf matched more than one branch", () => {
    const errors = errorsOf({ oneOf: [{ type: "number" }, { minimum: 0 }] }, 5);
    expect(ajvErrorsToFieldErrors(errors)[0]?.message).toMatch(/exactly one/);
  });

  it("keeps deeper errors inside alternatives", () => {
    const errors = errorsOf(
      { anyOf: [{ type: "object", properties: { a: { type: "string" } } }, { type: "string" }] },
      { a: 1 },
    );
    const out = ajvErrorsToFieldErrors(errors);
    expect(out).toContainEqual({ path: "/a", message: "must be string" });
  });

  it("gives readable format messages", () => {
    const errors = errorsOf({ type: "string", format: "semver" }, "v1");
    expect(ajvErrorsToFieldErrors(errors, "/version")).toEqual([
      { path: "/version", message: "must be a semantic version like 1.2.3" },
    ]);
  });

  it("lets the caller describe an error", () => {
    const errors = errorsOf({ type: "string", pattern: "^x$" }, "y");
    const out = ajvErrorsToFieldErrors(errors, "", {
      describe: (e) => (e.keyword === "pattern" ? "must be x" : undefined),
    });
    expect(out).toEqual([{ path: "", message: "must be x" }]);
  });

  it("drops duplicates", () => {
    const error = errorsOf({ type: "string" }, 1)[0]!;
    expect(ajvErrorsToFieldErrors([error, { ...error }])).toHaveLength(1);
  });

  it("caps the list", () => {
    const errors = errorsOf(
      { type: "array", items: { type: "string" } },
      Array.from({ length: 500 }, (_, i) => i),
    );
    const out = ajvErrorsToFieldErrors(errors);
    expect(out).toHaveLength(MAX_FIELD_ERRORS);
    expect(out.at(-1)?.message).toMatch(/401 more errors/);
  });

  it("returns nothing for no errors", () => {
    expect(ajvErrorsToFieldErrors(null)).toEqual([]);
    expect(ajvErrorsToFieldErrors([])).toEqual([]);
  });
});

describe("helpers", () => {
  it("capFieldErrors keeps short lists as they are", () => {
    const list = [{ path: "/a", message: "x" }];
    expect(capFieldErrors(list)).toBe(list);
  });

  it("formatFieldErrors renders path: message lines", () => {
    expect(
      formatFieldErrors([
        { path: "/a", message: "must be string" },
        { path: "", message: "bad" },
      ]),
    ).toBe("/a: must be string\n(document): bad");
  });

  it("json pointers follow RFC 6901", () => {
    expect(escapePointerToken("a/b~c")).toBe("a~1b~0c");
    expect(joinPointer("", "a", 0, "b/c")).toBe("/a/0/b~1c");
    expect(joinPointer("/x")).toBe("/x");
  });
});
