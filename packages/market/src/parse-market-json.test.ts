import { describe, expect, it } from "vitest";
import { parseCatalogPage, parsePluginDetail } from "./parse-market-json.js";

const SHA = "AB".repeat(32);

const version = (extra: Record<string, unknown> = {}) => ({
  version: "1.0.0",
  size: 10,
  sha256: SHA,
  downloadUrl: "v1/plugins/x/versions/1.0.0/download",
  ...extra,
});

describe("parsePluginDetail", () => {
  it("fills in what a market may leave out or send as null, and drops what the API does not name", () => {
    const detail = parsePluginDetail({
      marketId: "x",
      name: "x",
      description: null,
      tags: null,
      extra: { ignored: true },
      versions: [version({ signature: null, publishedAt: null, vendorField: 1 })],
    });
    expect(detail).toEqual({
      marketId: "x",
      name: "x",
      description: "",
      author: "",
      pluginType: "",
      tags: [],
      latestVersion: "",
      updatedAt: "",
      versions: [
        {
          version: "1.0.0",
          size: 10,
          sha256: SHA.toLowerCase(),
          signature: null,
          keyId: null,
          downloadUrl: "v1/plugins/x/versions/1.0.0/download",
          publishedAt: "",
          minPlatformVersion: null,
        },
      ],
    });
  });

  it("leaves the answer it was given as it was", () => {
    const answer = { marketId: "x", name: "x", versions: [version()] };
    const before = structuredClone(answer);
    parsePluginDetail(answer);
    expect(answer).toEqual(before);
  });

  it.each([
    ["not an object", [], "/"],
    ["no versions", { marketId: "x", name: "x" }, "/"],
    [
      "a bad SHA-256",
      { marketId: "x", name: "x", versions: [version({ sha256: "abc" })] },
      "/versions/0/sha256",
    ],
    ["a negative size", { marketId: "x", name: "x", versions: [version({ size: -1 })] }, "/versions/0/size"],
    ["a name that is a number", { marketId: "x", name: 7, versions: [] }, "/name"],
  ])("answers MARKET_UNAVAILABLE for %s, naming where", (_what, body, path) => {
    let error: unknown;
    try {
      parsePluginDetail(body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: "MARKET_UNAVAILABLE", errors: [{ path }] });
    expect((error as Error).message).toContain("malformed plugin");
  });
});

describe("parseCatalogPage", () => {
  it("checks the page's counts and every item", () => {
    const item = { marketId: "x", name: "x", latestVersion: "1.0.0" };
    expect(parseCatalogPage({ items: [item], total: 1, page: 1, pageSize: 20 }).items[0]).toMatchObject({
      marketId: "x",
      tags: [],
      latestVersion: "1.0.0",
    });
    expect(() => parseCatalogPage({ items: [item], total: 1.5, page: 1, pageSize: 20 })).toThrow(
      expect.objectContaining({
        code: "MARKET_UNAVAILABLE",
        errors: [expect.objectContaining({ path: "/total" })],
      }),
    );
    expect(() => parseCatalogPage({ items: [{ name: "no id" }], total: 1, page: 1, pageSize: 20 })).toThrow(
      expect.objectContaining({ code: "MARKET_UNAVAILABLE" }),
    );
  });
});
