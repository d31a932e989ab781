import { describe, expect, it } from "vitest";
import { formatDuration, formatSize, isPlainNumber, parseDuration, parseSize } from "./units.js";

describe("parseSize", () => {
  it.each([
    [100, 100 * 1024 ** 2],
    ["100", 100 * 1024 ** 2],
    [0.5, 512 * 1024],
    ["1024B", 1024],
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
    [30, 30_000],
    ["30", 30_000],
    [86400, 86_400_000],
    [0.25, 250],
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

describe("plain numbers take the key's plain unit", () => {
  it("MiB and seconds by default; bytes and milliseconds for keys named so", () => {
    expect(parseSize(1024, "B")).toBe(1024);
    expect(parseSize("2MiB", "B")).toBe(2 * 1024 ** 2);
    expect(parseDuration(250, "ms")).toBe(250);
    expect(parseDuration("2s", "ms")).toBe(2000);
  });

  it("tells plain numbers from strings with a unit", () => {
    expect([30, "30", " 1.5 ", "30s", "50MiB", "", true].map(isPlainNumber)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe("formatDuration", () => {
  it("uses d/h/m/s, and ms below a second", () => {
    expect(formatDuration(30_000)).toBe("30s");
    expect(formatDuration(86_400_000)).toBe("1d");
    expect(formatDuration(30_000_000)).toBe("8h20m");
    expect(formatDuration(1500)).toBe("1500ms");
  });
});

describe("formatSize", () => {
  it("uses the largest binary unit that divides evenly", () => {
    expect(formatSize(50 * 1024 ** 2)).toBe("50MiB");
    expect(formatSize(1024)).toBe("1KiB");
    expect(formatSize(1000)).toBe("1000B");
  });
});
