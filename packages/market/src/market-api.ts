/**
 * The market HTTP API the platform speaks (documented in apps/market/README.md).
 * Paths are relative to `plugin.market_api`; bodies are JSON in camelCase.
 */

/** One published version of a plugin. */
export interface MarketVersion {
  version: string;
  /** Bytes of the zip. */
  size: number;
  /** Lowercase hex SHA-256 of the zip. */
  sha256: string;
  /** Base64 Ed25519 signature over the `sha256` hex string (UTF-8); null when unsigned. */
  signature: string | null;
  /** Id of the key that made `signature` (null when unsigned). */
  keyId: string | null;
  /** Absolute, or relative to the market API base. */
  downloadUrl: string;
  /** ISO 8601. */
  publishedAt: string;
  /** The manifest's `minVersion`: the oldest platform that can run it; null for any. */
  minPlatformVersion: string | null;
}

/** A catalog entry, as the list and search answer it. */
export interface MarketPluginSummary {
  marketId: string;
  name: string;
  description: string;
  author: string;
  pluginType: string;
  tags: string[];
  /** Highest published version (whatever platform it needs). */
  latestVersion: string;
  /** ISO 8601: when the newest version was published. */
  updatedAt: string;
}

/** One plugin with every published version, newest first. */
export interface MarketPluginDetail extends MarketPluginSummary {
  versions: MarketVersion[];
}

export interface MarketCatalogPage {
  items: MarketPluginSummary[];
  total: number;
  page: number;
  pageSize: number;
}

export interface MarketCatalogQuery {
  /** Case-insensitive substring of marketId, name, description, author or a tag. */
  q?: string;
  pluginType?: string;
  /** 1-based. */
  page?: number;
  /** 1-100. */
  pageSize?: number;
}

/** Error bodies (application/problem+json). */
export interface MarketProblem {
  status: number;
  code: "BAD_REQUEST" | "NOT_FOUND" | "UNAUTHORIZED" | "INTERNAL";
  title: string;
  detail?: string;
}

const seg = encodeURIComponent;

export const marketPaths = {
  catalog: "v1/plugins",
  plugin: (marketId: string) => `v1/plugins/${seg(marketId)}`,
  version: (marketId: string, version: string) => `v1/plugins/${seg(marketId)}/versions/${seg(version)}`,
  download: (marketId: string, version: string) =>
    `v1/plugins/${seg(marketId)}/versions/${seg(version)}/download`,
} as const;
