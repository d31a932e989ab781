import {
  type MarketCatalogPage,
  MarketCatalogPageSchema,
  type MarketPluginDetail,
  MarketPluginDetailSchema,
} from "@arcade/contracts";
import { AppError, createAjv } from "@arcade/core";

/**
 * What a market answers, checked against the wire schemas of @arcade/contracts. Fields a market
 * may leave out (or send as null) get their schema's default, and properties the schemas do not
 * name are dropped, so callers always get the full, documented shape.
 */
/** An ajv validate function: a type guard with the errors of its last call. */
type Check<T> = ((value: unknown) => value is T) & {
  errors?: { instancePath: string; message?: string }[] | null;
};

const ajv = createAjv("draft-07", { allErrors: false, useDefaults: "empty", removeAdditional: "all" });
const checkDetail = ajv.compile(MarketPluginDetailSchema) as unknown as Check<MarketPluginDetail>;
const checkPage = ajv.compile(MarketCatalogPageSchema) as unknown as Check<MarketCatalogPage>;

/** A market that answers something other than the documented API is as good as unavailable. */
function malformed(what: string, check: Check<unknown>): AppError {
  const first = check.errors?.[0];
  const path = first?.instancePath || "/";
  const message = first?.message ?? "is not valid";
  return new AppError("MARKET_UNAVAILABLE", `the market answered a malformed ${what}: ${path} ${message}`, {
    detail: "Check that plugin.market_api points at a market that speaks the Arcade market API (v1).",
    errors: [{ path, message }],
  });
}

/** Validation fills in defaults and drops unknown members in place: work on a copy. */
function parse<T>(what: string, check: Check<T>, value: unknown): T {
  const copy: unknown = structuredClone(value);
  if (!check(copy)) throw malformed(what, check);
  return copy;
}

export function parsePluginDetail(value: unknown): MarketPluginDetail {
  const detail = parse("plugin", checkDetail, value);
  for (const version of detail.versions) version.sha256 = version.sha256.toLowerCase();
  return detail;
}

export function parseCatalogPage(value: unknown): MarketCatalogPage {
  return parse("catalog page", checkPage, value);
}
