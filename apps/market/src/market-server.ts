import type { AddressInfo } from "node:net";
import { type Logger, silentLogger } from "@arcade/core";
import { serve } from "@hono/node-server";
import { createMarketApp } from "./market-app.js";
import { MarketCatalog, type ScanReport } from "./market-catalog.js";
import { generateSigner, type MarketSigner } from "./signing-key.js";

export interface MarketServerOptions {
  /** Folder of plugin zips. */
  dir: string;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default: a fresh key for this run. */
  signer?: MarketSigner;
  token?: string;
  publicUrl?: string;
  logger?: Logger;
}

export interface MarketServer {
  /** `http://host:port/`: what `plugin.market_api` is set to. */
  url: string;
  port: number;
  catalog: MarketCatalog;
  signer: MarketSigner;
  scan: ScanReport;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Scans the folder and serves the market API until `close()`. */
export async function startMarketServer(options: MarketServerOptions): Promise<MarketServer> {
  const logger = options.logger ?? silentLogger;
  const signer = options.signer ?? generateSigner();
  const catalog = new MarketCatalog(options.dir, signer, logger);
  const scan = await catalog.rescan();
  const app = createMarketApp({
    catalog,
    ...(options.token ? { token: options.token } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    catalog,
    signer,
    scan,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
