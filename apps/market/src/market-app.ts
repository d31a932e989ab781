import { timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import {
  type MarketCatalogPage,
  type MarketPluginDetail,
  type MarketPluginSummary,
  type MarketProblem,
  type MarketVersion,
  marketPaths,
} from "@arcade/contracts";
import { Hono } from "hono";
import type { CatalogPlugin, CatalogVersion, MarketCatalog } from "./market-catalog.js";

export interface MarketAppOptions {
  catalog: MarketCatalog;
  /** When set, /v1 asks for `Authorization: Bearer <token>`. */
  token?: string;
  /** Base of the download URLs it hands out; default: the origin the request came to. */
  publicUrl?: string;
}

const MAX_PAGE_SIZE = 100;

function problem(status: number, code: MarketProblem["code"], title: string, detail?: string) {
  const body: MarketProblem = { status, code, title, ...(detail ? { detail } : {}) };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

function summary(plugin: CatalogPlugin): MarketPluginSummary {
  const newest = plugin.versions[0]!;
  const m = newest.manifest;
  return {
    marketId: plugin.marketId,
    name: m.name,
    description: m.description ?? "",
    author: m.author ?? "",
    pluginType: m.pluginType,
    tags: m.tags ?? [],
    latestVersion: newest.version,
    updatedAt: newest.publishedAt.toISOString(),
  };
}

function versionView(v: CatalogVersion, base: string): MarketVersion {
  return {
    version: v.version,
    size: v.size,
    sha256: v.sha256,
    signature: v.signature,
    keyId: v.keyId,
    downloadUrl: new URL(marketPaths.download(v.marketId, v.version), base).href,
    publishedAt: v.publishedAt.toISOString(),
    minPlatformVersion: v.manifest.minVersion ?? null,
  };
}

function matches(s: MarketPluginSummary, q: string): boolean {
  const needle = q.toLowerCase();
  return [s.marketId, s.name, s.description, s.author, ...s.tags].some((f) =>
    f.toLowerCase().includes(needle),
  );
}

function positiveInt(raw: string | undefined, fallback: number, max: number): number | null {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= max ? n : null;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The reference market's HTTP API (README.md in this folder). */
export function createMarketApp(options: MarketAppOptions): Hono {
  const { catalog } = options;
  const app = new Hono();
  const baseOf = (url: string) => options.publicUrl ?? `${new URL(url).origin}/`;

  app.get("/healthz", (c) => c.json({ status: "ok", plugins: catalog.plugins().length }));

  if (options.token) {
    const token = options.token;
    app.use("/v1/*", async (c, next) => {
      const header = c.req.header("authorization") ?? "";
      const given = header.startsWith("Bearer ") ? header.slice(7) : "";
      if (!sameToken(given, token)) return problem(401, "UNAUTHORIZED", "a valid bearer token is required");
      await next();
    });
  }

  app.get("/v1/plugins", (c) => {
    const page = positiveInt(c.req.query("page"), 1, Number.MAX_SAFE_INTEGER);
    const pageSize = positiveInt(c.req.query("pageSize"), 20, MAX_PAGE_SIZE);
    if (page === null || pageSize === null) {
      return problem(400, "BAD_REQUEST", "page must be >= 1 and pageSize 1-100");
    }
    const q = c.req.query("q")?.trim() ?? "";
    const pluginType = c.req.query("pluginType") ?? "";
    const all = catalog
      .plugins()
      .map(summary)
      .filter((s) => (q === "" || matches(s, q)) && (pluginType === "" || s.pluginType === pluginType));
    const body: MarketCatalogPage = {
      items: all.slice((page - 1) * pageSize, page * pageSize),
      total: all.length,
      page,
      pageSize,
    };
    return c.json(body);
  });

  app.get("/v1/plugins/:marketId", (c) => {
    const plugin = catalog.find(c.req.param("marketId"));
    if (!plugin) return problem(404, "NOT_FOUND", `no plugin ${c.req.param("marketId")}`);
    const base = baseOf(c.req.url);
    const body: MarketPluginDetail = {
      ...summary(plugin),
      versions: plugin.versions.map((v) => versionView(v, base)),
    };
    return c.json(body);
  });

  app.get("/v1/plugins/:marketId/versions/:version", (c) => {
    const v = catalog.findVersion(c.req.param("marketId"), c.req.param("version"));
    if (!v)
      return problem(404, "NOT_FOUND", `no version ${c.req.param("version")} of ${c.req.param("marketId")}`);
    return c.json(versionView(v, baseOf(c.req.url)));
  });

  app.get("/v1/plugins/:marketId/versions/:version/download", async (c) => {
    const v = catalog.findVersion(c.req.param("marketId"), c.req.param("version"));
    if (!v)
      return problem(404, "NOT_FOUND", `no version ${c.req.param("version")} of ${c.req.param("marketId")}`);
    // Served as the file is now, so a zip edited after the scan reaches the client edited.
    const size = (await stat(v.file)).size;
    const body = Readable.toWeb(createReadStream(v.file)) as ReadableStream<Uint8Array>;
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "application/zip",
        "content-length": String(size),
        "content-disposition": `attachment; filename="${v.marketId}-${v.version}.zip"`,
      },
    });
  });

  app.notFound(() => problem(404, "NOT_FOUND", "no such market endpoint"));
  app.onError((error) => problem(500, "INTERNAL", "the market failed", error.message));
  return app;
}
