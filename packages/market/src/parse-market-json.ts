import { AppError } from "@arcade/core";
import type {
  MarketCatalogPage,
  MarketPluginDetail,
  MarketPluginSummary,
  MarketVersion,
} from "./market-api.js";

const SHA256 = /^[0-9a-fA-F]{64}$/;

type Json = Record<string, unknown>;

/** A market that answers something other than the documented API is as good as unavailable. */
function malformed(what: string, path: string, message: string): AppError {
  return new AppError("MARKET_UNAVAILABLE", `the market answered a malformed ${what}: ${path} ${message}`, {
    detail: "Check that plugin.market_api points at a market that speaks the Arcade market API (v1).",
    errors: [{ path, message }],
  });
}

class Reader {
  constructor(
    private readonly what: string,
    private readonly value: Json,
    private readonly path: string,
  ) {}

  static of(what: string, value: unknown, path = ""): Reader {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw malformed(what, path || "/", "must be an object");
    }
    return new Reader(what, value as Json, path);
  }

  string(key: string): string {
    const v = this.value[key];
    if (typeof v !== "string") throw malformed(this.what, `${this.path}/${key}`, "must be a string");
    return v;
  }

  optionalString(key: string, fallback: string): string {
    const v = this.value[key];
    return v === undefined || v === null ? fallback : this.string(key);
  }

  nullableString(key: string): string | null {
    const v = this.value[key];
    return v === undefined || v === null ? null : this.string(key);
  }

  count(key: string): number {
    const v = this.value[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw malformed(this.what, `${this.path}/${key}`, "must be a non-negative integer");
    }
    return v;
  }

  array(key: string): unknown[] {
    const v = this.value[key];
    if (!Array.isArray(v)) throw malformed(this.what, `${this.path}/${key}`, "must be an array");
    return v;
  }

  /** Strings of an optional array (a market may leave `tags` out). */
  strings(key: string): string[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw malformed(this.what, `${this.path}/${key}`, "must be an array");
    return v.filter((t): t is string => typeof t === "string");
  }

  at(key: string): string {
    return `${this.path}/${key}`;
  }
}

function summary(r: Reader): MarketPluginSummary {
  return {
    marketId: r.string("marketId"),
    name: r.string("name"),
    description: r.optionalString("description", ""),
    author: r.optionalString("author", ""),
    pluginType: r.optionalString("pluginType", ""),
    tags: r.strings("tags"),
    latestVersion: r.optionalString("latestVersion", ""),
    updatedAt: r.optionalString("updatedAt", ""),
  };
}

function version(what: string, value: unknown, path: string): MarketVersion {
  const r = Reader.of(what, value, path);
  const sha256 = r.string("sha256");
  if (!SHA256.test(sha256)) throw malformed(what, r.at("sha256"), "must be a SHA-256 in hex");
  return {
    version: r.string("version"),
    size: r.count("size"),
    sha256: sha256.toLowerCase(),
    signature: r.nullableString("signature"),
    keyId: r.nullableString("keyId"),
    downloadUrl: r.string("downloadUrl"),
    publishedAt: r.optionalString("publishedAt", ""),
    minPlatformVersion: r.nullableString("minPlatformVersion"),
  };
}

export function parsePluginDetail(value: unknown): MarketPluginDetail {
  const what = "plugin";
  const r = Reader.of(what, value);
  const versions = r.array("versions").map((v, i) => version(what, v, `/versions/${i}`));
  return { ...summary(r), versions };
}

export function parseCatalogPage(value: unknown): MarketCatalogPage {
  const what = "catalog page";
  const r = Reader.of(what, value);
  const items = r.array("items").map((item, i) => summary(Reader.of(what, item, `/items/${i}`)));
  return { items, total: r.count("total"), page: r.count("page"), pageSize: r.count("pageSize") };
}
