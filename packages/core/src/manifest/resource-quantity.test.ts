import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseByteQuantity, parseCpuQuantity } from "./resource-quantity.js";

describe("parseByteQuantity", () => {
  it("reads binary and decimal suffixes", () => {
    expect(parseByteQuantity("128Mi")).toBe(128 * 2 ** 20);
    expect(parseByteQuantity("1Gi")).toBe(2 ** 30);
    expect(parseByteQuantity("1.5Gi")).toBe(1.5 * 2 ** 30);
    expect(parseByteQuantity("2Ki")).toBe(2048);
    expect(parseByteQuantity("1Ti")).toBe(2 ** 40);
    expect(parseByteQuantity("500M")).toBe(500_000_000);
    expect(parseByteQuantity("1k")).toBe(1000);
    expect(parseByteQuantity("1K")).toBe(1000);
    expect(parseByteQuantity("3G")).toBe(3e9);
    expect(parseByteQuantity("2T")).toBe(2e12);
    expect(parseByteQuantity("1024")).toBe(1024);
  });

  it("rounds a fraction of a byte up", () => {
    expect(parseByteQuantity("1.5")).toBe(2);
    expect(parseByteQuantity("0.001Ki")).toBe(2);
  });

  it("refuses what is not a quantity or does not fit", () => {
    for (const bad of [
      "",
      "Mi",
      "-1Mi",
      "1 Mi",
      "1mi",
      "1MB",
      "1e3",
      "0x10",
      "1.Mi",
      "99999999999999999999Gi",
      "9".repeat(70),
    ]) {
      expect(parseByteQuantity(bad), bad).toBeNull();
    }
    expect(parseByteQuantity(12 as unknown as string)).toBeNull();
  });

  it("never throws and returns a safe integer or null", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseByteQuantity(s);
        expect(v === null || Number.isSafeInteger(v)).toBe(true);
      }),
    );
  });
});

describe("parseCpuQuantity", () => {
  it("reads millicores and cores", () => {
    expect(parseCpuQuantity("100m")).toBe(0.1);
    expect(parseCpuQuantity("1500m")).toBe(1.5);
    expect(parseCpuQuantity("0.5")).toBe(0.5);
    expect(parseCpuQuantity("2")).toBe(2);
    expect(parseCpuQuantity("0")).toBe(0);
  });

  it("refuses anything else", () => {
    for (const bad of ["", "m", "1.5m", "-1", "1 m", "1c", "abc"])
      expect(parseCpuQuantity(bad), bad).toBeNull();
  });
});
