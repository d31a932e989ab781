import { describe, expect, it } from "vitest";
import { parseDurationMs } from "./duration.js";

describe("parseDurationMs", () => {
  it("reads the units the config uses", () => {
    expect(parseDurationMs("500ms")).toBe(500);
    expect(parseDurationMs("60s")).toBe(60_000);
    expect(parseDurationMs("5m")).toBe(300_000);
    expect(parseDurationMs("1h")).toBe(3_600_000);
    expect(parseDurationMs("7d")).toBe(604_800_000);
    expect(parseDurationMs(" 1.5 M ")).toBe(90_000);
  });

  it("takes a plain number as seconds, as a duration key of the config does", () => {
    expect(parseDurationMs(30)).toBe(30_000);
    expect(parseDurationMs("30")).toBe(30_000);
    expect(parseDurationMs(0)).toBe(0);
  });

  it("refuses what it cannot read", () => {
    for (const bad of ["", "5 minutes", "-1s", "1w", "s", null, undefined, -3, Number.NaN, Infinity, {}]) {
      expect(parseDurationMs(bad)).toBeUndefined();
    }
  });
});
