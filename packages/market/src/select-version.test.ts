import type { MarketPluginDetail, MarketVersion } from "@arcade/contracts";
import type { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { latestCompatible, selectVersion } from "./select-version.js";

function v(version: string, minPlatformVersion: string | null = null): MarketVersion {
  return {
    version,
    size: 1,
    sha256: "a".repeat(64),
    signature: null,
    keyId: null,
    downloadUrl: `x/${version}`,
    publishedAt: "",
    minPlatformVersion,
  };
}

function plugin(...versions: MarketVersion[]): MarketPluginDetail {
  return {
    marketId: "slack",
    name: "slack",
    description: "",
    author: "",
    pluginType: "notify",
    tags: [],
    latestVersion: "",
    updatedAt: "",
    versions,
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as AppError).code;
  }
  throw new Error("expected an error");
}

describe("selectVersion", () => {
  it("picks the newest version whose minPlatformVersion the platform meets", () => {
    const p = plugin(v("1.0.0"), v("1.2.0", "1.0.0"), v("2.0.0", "2.0.0"), v("1.10.0", "0.5.0"));
    expect(selectVersion(p, undefined, "1.0.0").version).toBe("1.10.0");
    expect(selectVersion(p, undefined, "2.1.0").version).toBe("2.0.0");
  });

  it("prefers a stable release, and falls back to a prerelease only when nothing else fits", () => {
    expect(latestCompatible([v("1.0.0"), v("1.1.0-beta.1")], "1.0.0")?.version).toBe("1.0.0");
    expect(latestCompatible([v("1.1.0-beta.1"), v("1.1.0-beta.2")], "1.0.0")?.version).toBe("1.1.0-beta.2");
    expect(latestCompatible([v("not-semver")], "1.0.0")).toBeNull();
  });

  it("returns exactly the version asked for", () => {
    const p = plugin(v("1.0.0"), v("1.1.0"));
    expect(selectVersion(p, "1.0.0", "1.0.0").version).toBe("1.0.0");
  });

  it("reports an unknown version as MARKET_PLUGIN_NOT_FOUND", () => {
    expect(codeOf(() => selectVersion(plugin(v("1.0.0")), "9.9.9", "1.0.0"))).toBe("MARKET_PLUGIN_NOT_FOUND");
    expect(codeOf(() => selectVersion(plugin(), undefined, "1.0.0"))).toBe("MARKET_PLUGIN_NOT_FOUND");
  });

  it("reports a version that needs a newer platform as PLATFORM_VERSION_UNSUPPORTED", () => {
    const p = plugin(v("2.0.0", "3.0.0"), v("2.1.0", "3.1.0"));
    expect(codeOf(() => selectVersion(p, "2.0.0", "1.0.0"))).toBe("PLATFORM_VERSION_UNSUPPORTED");
    expect(codeOf(() => selectVersion(p, undefined, "1.0.0"))).toBe("PLATFORM_VERSION_UNSUPPORTED");
  });
});
