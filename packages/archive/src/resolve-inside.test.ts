import { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { resolveInside } from "./resolve-inside.js";

describe("resolveInside", () => {
  it("resolves names inside the root", () => {
    expect(resolveInside("/tmp/root", "a/b.js")).toBe("/tmp/root/a/b.js");
  });

  it("refuses anything that resolves outside, whatever the name checks said", () => {
    for (const name of ["../x", "/etc/passwd", "a/../../x", "..", ".", ""]) {
      expect(() => resolveInside("/tmp/root", name), name).toThrow(AppError);
    }
    // a sibling sharing the prefix is outside too
    expect(() => resolveInside("/tmp/root", "../root-evil/x")).toThrow(AppError);
  });
});
