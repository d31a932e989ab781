import { type Static, Type } from "@sinclair/typebox";

/**
 * The market HTTP API the platform speaks (documented in apps/market/README.md), defined once:
 * the reference market (apps/market) answers these shapes and the platform's client
 * (packages/market) validates what a market answers against them. Paths are relative to
 * `plugin.market_api`; bodies are JSON in camelCase.
 *
 * A `default` marks what a market may leave out (or send as null): the client fills it in, so
 * what it hands on always has every field. Properties the schemas do not name are dropped.
 */

const text = (description?: string) => Type.String({ default: "", ...(description ? { description } : {}) });
const nullableText = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { default: null, description });
const count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** One published version of a plugin. */
export const MarketVersionSchema = Type.Object({
  version: Type.String({ minLength: 1 }),
  size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "Bytes of the zip." }),
  sha256: Type.String({
    pattern: "^[0-9a-fA-F]{64}$",
    description: "Hex SHA-256 of the zip (the client lowercases it).",
  }),
  signature: nullableText(
    "Base64 Ed25519 signature over the `sha256` hex string (UTF-8); null when unsigned.",
  ),
  keyId: nullableText("Id of the key that made `signature` (null when unsigned)."),
  downloadUrl: Type.String({ description: "Absolute, or relative to the market API base." }),
  publishedAt: text("ISO 8601."),
  minPlatformVersion: nullableText(
    "The manifest's `minVersion`: the oldest platform that can run it; null for any.",
  ),
});
export type MarketVersion = Static<typeof MarketVersionSchema>;

/** A catalog entry, as the list and search answer it. */
export const MarketPluginSummarySchema = Type.Object({
  marketId: Type.String({ minLength: 1 }),
  name: Type.String(),
  description: text(),
  author: text(),
  pluginType: text(),
  tags: Type.Array(Type.String(), { default: [] }),
  latestVersion: text("Highest published version (whatever platform it needs)."),
  updatedAt: text("ISO 8601: when the newest version was published."),
});
export type MarketPluginSummary = Static<typeof MarketPluginSummarySchema>;

/** One plugin with every published version, newest first. */
export const MarketPluginDetailSchema = Type.Object({
  ...MarketPluginSummarySchema.properties,
  versions: Type.Array(MarketVersionSchema),
});
export type MarketPluginDetail = Static<typeof MarketPluginDetailSchema>;

export const MarketCatalogPageSchema = Type.Object({
  items: Type.Array(MarketPluginSummarySchema),
  total: count,
  page: count,
  pageSize: count,
});
export type MarketCatalogPage = Static<typeof MarketCatalogPageSchema>;

/** Query of `GET v1/plugins`. */
export const MarketCatalogQuerySchema = Type.Object({
  /** Case-insensitive substring of marketId, name, description, author or a tag. */
  q: Type.Optional(Type.String()),
  pluginType: Type.Optional(Type.String()),
  /** 1-based. */
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  /** 1-100. */
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
export type MarketCatalogQuery = Static<typeof MarketCatalogQuerySchema>;

/** Error bodies (application/problem+json). */
export const MarketProblemSchema = Type.Object({
  status: Type.Integer(),
  code: Type.Union([
    Type.Literal("BAD_REQUEST"),
    Type.Literal("NOT_FOUND"),
    Type.Literal("UNAUTHORIZED"),
    Type.Literal("INTERNAL"),
  ]),
  title: Type.String(),
  detail: Type.Optional(Type.String()),
});
export type MarketProblem = Static<typeof MarketProblemSchema>;

const seg = encodeURIComponent;

/** The market API's paths, relative to its base URL. */
export const marketPaths = {
  catalog: "v1/plugins",
  plugin: (marketId: string) => `v1/plugins/${seg(marketId)}`,
  version: (marketId: string, version: string) => `v1/plugins/${seg(marketId)}/versions/${seg(version)}`,
  download: (marketId: string, version: string) =>
    `v1/plugins/${seg(marketId)}/versions/${seg(version)}/download`,
} as const;
