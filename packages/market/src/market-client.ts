import {
  type MarketCatalogPage,
  type MarketCatalogQuery,
  type MarketPluginDetail,
  type MarketVersion,
  marketPaths,
} from "@arcade/contracts";
import {
  AppError,
  type ArtifactFetcher,
  type FetchedArtifact,
  type Logger,
  silentLogger,
} from "@arcade/core";
import { downloadArtifact } from "./download-artifact.js";
import { type HttpOptions, marketGet, readJson, Watchdog } from "./market-http.js";
import { parseCatalogPage, parsePluginDetail } from "./parse-market-json.js";
import { DEFAULT_RETRY, type RetryEvent, type RetryPolicy, withRetries } from "./retry.js";
import { latestCompatible, selectVersion } from "./select-version.js";

export interface MarketClientOptions {
  /** `plugin.market_api`, e.g. `https://market.example/api/` (a path prefix is kept). */
  baseUrl: string;
  /** What manifests' `minVersion` (the catalog's `minPlatformVersion`) is compared with. */
  platformVersion: string;
  /** `plugin.max_plugin_size`: a larger artifact is refused before and while downloading. */
  maxSize: number;
  /** `market.request_timeout`: connect + headers, and any silence during a download. Default 10 s. */
  requestTimeoutMs?: number;
  /** `market.token`: a bearer token for the market's own origin. */
  token?: string;
  retry?: Partial<RetryPolicy>;
  /** Called before each retry of a transient fault (logging, tests). */
  onRetry?: (event: RetryEvent) => void;
  logger?: Logger;
}

/**
 * HTTP client of the market API (apps/market/README.md) and the worker's
 * ArtifactFetcher for `source=market`. Transient faults (connection refused,
 * timeouts, 5xx, 429, a download cut off) are retried with backoff, then
 * MARKET_UNAVAILABLE (retryable); an unknown plugin or version is
 * MARKET_PLUGIN_NOT_FOUND; a download that does not match the catalog is
 * SIZE_MISMATCH / CHECKSUM_MISMATCH; one over `maxSize` is PAYLOAD_TOO_LARGE.
 */
export class MarketClient implements ArtifactFetcher {
  private readonly base: URL;
  private readonly http: HttpOptions;
  private readonly retry: RetryPolicy;
  private readonly logger: Logger;

  constructor(private readonly options: MarketClientOptions) {
    const base = new URL(options.baseUrl);
    if (!base.pathname.endsWith("/")) base.pathname = `${base.pathname}/`;
    this.base = base;
    this.http = {
      tokenOrigin: base.origin,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
      ...(options.token ? { token: options.token } : {}),
    };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.logger = options.logger ?? silentLogger;
  }

  /** Catalog list and search. */
  async listCatalog(query: MarketCatalogQuery = {}): Promise<MarketCatalogPage> {
    const url = new URL(marketPaths.catalog, this.base);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
    }
    const body = await this.getJson(url, "the catalog", () => {
      throw new AppError("MARKET_UNAVAILABLE", "the market has no catalog at the configured address", {
        detail: `GET ${url.href} answered 404: check plugin.market_api.`,
      });
    });
    return parseCatalogPage(body);
  }

  /** One plugin with every published version; MARKET_PLUGIN_NOT_FOUND if the market has none by that id. */
  async getPlugin(marketId: string): Promise<MarketPluginDetail> {
    const url = new URL(marketPaths.plugin(marketId), this.base);
    const body = await this.getJson(url, `plugin ${marketId}`, () => {
      throw new AppError("MARKET_PLUGIN_NOT_FOUND", `the market has no plugin ${marketId}`, {
        detail: "Search the catalog (GET <market_api>/v1/plugins?q=...) for its market id.",
        extras: { marketId },
      });
    });
    const detail = parsePluginDetail(body);
    if (detail.marketId !== marketId) {
      throw new AppError(
        "MARKET_UNAVAILABLE",
        `the market answered plugin ${detail.marketId} for ${marketId}`,
      );
    }
    return detail;
  }

  /** The version `fetch` would install: exactly `version`, or the latest compatible one. */
  async resolveVersion(marketId: string, version?: string): Promise<MarketVersion> {
    return selectVersion(await this.getPlugin(marketId), version, this.options.platformVersion);
  }

  /** For the update checker: the latest version this platform can run, or null. */
  async latestVersion(marketId: string): Promise<string | null> {
    const plugin = await this.getPlugin(marketId);
    return latestCompatible(plugin.versions, this.options.platformVersion)?.version ?? null;
  }

  async fetch(request: { marketId: string; version?: string }, destPath: string): Promise<FetchedArtifact> {
    const chosen = await this.resolveVersion(request.marketId, request.version);
    const url = new URL(chosen.downloadUrl, this.base);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new AppError(
        "MARKET_UNAVAILABLE",
        `the market gave a download URL that is not http(s): ${url.href}`,
      );
    }
    const expected = {
      marketId: request.marketId,
      version: chosen.version,
      size: chosen.size,
      sha256: chosen.sha256,
    };
    await withRetries(`download of ${request.marketId} ${chosen.version}`, this.retry, this.onRetry, () =>
      downloadArtifact(url, destPath, expected, this.options.maxSize, this.http),
    );
    this.logger.info(
      { marketId: request.marketId, version: chosen.version, size: chosen.size },
      "market artifact downloaded",
    );
    return {
      ...expected,
      signature:
        chosen.signature && chosen.keyId ? { keyId: chosen.keyId, signature: chosen.signature } : null,
    };
  }

  private readonly onRetry = (event: RetryEvent) => {
    this.logger.warn(
      { attempt: event.attempt, delayMs: event.delayMs, err: event.error.message },
      `market request failed; retrying: ${event.what}`,
    );
    this.options.onRetry?.(event);
  };

  private async getJson(url: URL, what: string, notFound: () => never): Promise<unknown> {
    return withRetries(what, this.retry, this.onRetry, async () => {
      const watchdog = new Watchdog(this.http.timeoutMs);
      try {
        const response = await marketGet(url, this.http, watchdog, "application/json");
        if (response.status === 404) {
          await response.body?.cancel().catch(() => {});
          notFound();
        }
        return await readJson(response, watchdog, url);
      } finally {
        watchdog.stop();
      }
    });
  }
}
