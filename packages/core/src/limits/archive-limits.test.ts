import { describe, expect, it } from "vitest";
import { DEFAULT_ARCHIVE_LIMITS, resolveArchiveLimits } from "./archive-limits.js";

describe("limits", () => {
  it("has sensible defaults", () => {
    expect(DEFAULT_ARCHIVE_LIMITS).toEqual({
      maxCompressedBytes: 50 * 1024 * 1024,
      maxEntries: 10_000,
      maxUncompressedBytes: 200 * 1024 * 1024,
      maxCompressionRatio: 100,
      maxManifestBytes: 1024 * 1024,
    });
  });

  it("puts given values over the defaults and ignores junk", () => {
    expect(resolveArchiveLimits({ maxEntries: 5 }).maxEntries).toBe(5);
    expect(resolveArchiveLimits({ maxEntries: Number.NaN }).maxEntries).toBe(10_000);
    expect(resolveArchiveLimits({ maxEntries: -1 }).maxEntries).toBe(10_000);
    expect(resolveArchiveLimits().maxCompressionRatio).toBe(100);
  });
});
