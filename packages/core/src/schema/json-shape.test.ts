import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkJsonShape } from "./json-shape.js";

const limits = { maxDepth: 5, maxNodes: 100 };

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i += 1) v = [v];
  return v;
}

describe("checkJsonShape", () => {
  it("accepts plain JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        expect(checkJsonShape(value, { maxDepth: 10, maxNodes: 100_000 })).toBeNull();
      }),
    );
    expect(checkJsonShape(Object.create(null), limits)).toBeNull();
  });

  it("counts depth in containers", () => {
    expect(checkJsonShape(nest(5), limits)).toBeNull();
    expect(checkJsonShape(nest(6), limits)).toMatchObject({ message: "nests deeper than 5 levels" });
  });

  it("survives a depth that would overflow a recursive walk", () => {
    expect(checkJsonShape(nest(200_000), { maxDepth: 64, maxNodes: 1e7 })).toMatchObject({
      message: /deeper than 64/,
    });
  });

  it("bounds the number of values", () => {
    expect(
      checkJsonShape(
        Array.from({ length: 150 }, () => 0),
        limits,
      ),
    ).toMatchObject({ message: /more than 100 values/ });
  });

  it("rejects non-JSON values with their path", () => {
    expect(checkJsonShape({ a: [1, Number.NaN] }, limits)).toEqual({
      path: "/a/1",
      message: "must be a finite number",
    });
    expect(checkJsonShape({ f: () => 1 }, limits)).toEqual({
      path: "/f",
      message: "must be a JSON value, not a function",
    });
    expect(checkJsonShape({ u: undefined }, limits)).toMatchObject({ path: "/u" });
    expect(checkJsonShape({ d: new Date() }, limits)).toEqual({
      path: "/d",
      message: "must be a plain JSON object",
    });
    expect(checkJsonShape(10n, limits)).toMatchObject({ message: /bigint/ });
  });

  it("rejects cycles but accepts shared sub-objects", () => {
    const shared = { x: 1 };
    expect(checkJsonShape({ a: shared, b: shared }, limits)).toBeNull();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { back: cyclic };
    expect(checkJsonShape(cyclic, limits)).toMatchObject({ path: "/self/back", message: /cycle/ });
  });

  it("turns a throwing getter into an error", () => {
    const evil = {};
    Object.defineProperty(evil, "x", {
      enumerable: true,
      get: () => {
        throw new Error("gotcha");
      },
    });
    expect(checkJsonShape(evil, limits)).toMatchObject({ message: /gotcha/ });
  });

  it("prefixes paths with the base path", () => {
    expect(checkJsonShape({ a: Number.POSITIVE_INFINITY }, limits, "/defaultConfig")).toMatchObject({
      path: "/defaultConfig/a",
    });
  });
});
