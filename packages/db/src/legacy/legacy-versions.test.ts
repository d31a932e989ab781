import { describe, expect, it } from "vitest";
import { compareLegacyVersions } from "./legacy-versions.js";

describe("compareLegacyVersions", () => {
  it("orders old version strings the way people meant them", () => {
    const sorted = [
      "1.10.0",
      "latest",
      "1.2.0",
      "v1.9",
      "2.0.0-beta.1",
      "2.0.0",
      "2.0.0-alpha",
      "1",
      "0.9.9",
      "beta",
    ].sort(compareLegacyVersions);
    expect(sorted).toEqual([
      "beta",
      "latest",
      "0.9.9",
      "1",
      "1.2.0",
      "v1.9",
      "1.10.0",
      "2.0.0-alpha",
      "2.0.0-beta.1",
      "2.0.0",
    ]);
  });

  it("treats missing parts as 0 and numeric pre-release parts as numbers", () => {
    expect(compareLegacyVersions("1.0", "1.0.0")).toBe(0);
    expect(compareLegacyVersions("1.0.0-rc.10", "1.0.0-rc.9")).toBe(1);
    expect(compareLegacyVersions("1.0.0-1", "1.0.0-rc")).toBe(-1);
  });
});
