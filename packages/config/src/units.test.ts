import { describe, expect, it } from "vitest";
import { formatSize, parseDuration, parseSize } from "./units.js";

describe("parseSize", () => {
  it.each([
    [1024, 1024],
    ["1024", 1024],
    ["100B", 100],
    ["1KB", 1000],
    ["100MB", 100_000_000],
    ["1GB", 1e9],
    ["1KiB", 1024],
    ["50MiB", 50 * 1024 ** 2],
    ["1.5 GiB", 1.5 * 1024 ** 3],
    ["8mib", 8 * 1024 ** 2],
  ])("%j -> %d bytes", (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(["abc", "10 zz", "-5MB", "", "MB", -1, Number.NaN, true, null])("rejects %j", (input) => {
    expect(parseSize(input)).toBeUndefined();
  });
});

describe("parseDuration", () => {
  it.each([
    [1500, 1500],
    ["1500", 1500],
    ["500ms", 500],
    ["30s", 30_000],
    ["1.5s", 1500],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
  ])("%j -> %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(["soon", "5 weeks", "-1s", "1h30m", {}])("rejects %j", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe("formatSize", () => {
  it("uses the largest binary unit that divides evenly", () => {
    expect(formatSize(50 * 1024 ** 2)).toBe("50MiB");
    expect(formatSize(1024)).toBe("1KiB");
    expect(formatSize(1000)).toBe("1000B");
  });
});
