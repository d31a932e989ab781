import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ErrorCode, type Problem, statusOf } from "@arcade/contracts";
import { withTimeout } from "@arcade/core";
import type { ArcadeMetrics } from "@arcade/telemetry";

/** One dependency /readyz asks; a rejection (or no answer within the bound) means not ready. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests); the config's 0 means "no server" and never gets here. */
  port: number;
  registry: ArcadeMetrics["registry"];
  readiness: readonly ReadinessCheck[];
  /** Bound of each readiness check. Default 2 s, as the API's /readyz. */
  checkTimeoutMs?: number;
}

export interface MetricsServer {
  /** http://host:port the server listens on. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const PATHS = new Set(["/metrics", "/healthz", "/readyz"]);
const TITLES: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: "Not found",
  METHOD_NOT_ALLOWED: "Method not allowed",
};

/**
 * The worker's own small HTTP endpoint, apart from the queue: `/metrics` (Prometheus text of
 * the process's registry), `/healthz` (the process answers) and `/readyz` (the database,
 * Redis and the object store answer). No token: like the API's health routes, it is meant for
 * the scraper and the orchestrator's probes, so bind it where only they reach it.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const timeoutMs = options.checkTimeoutMs ?? 2000;
  const server = createServer((req, res) => {
    handle(req, res, options, timeoutMs).catch((error: unknown) => {
      // Only a failure to write the answer gets here (the client went away).
      res.destroy(error as Error);
    });
  });
  // Probes and scrapes are short; a stuck client must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;

  server.listen(options.port, options.host);
  try {
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([error]) => Promise.reject(error)),
    ]);
  } catch (error) {
    throw listenError(error as NodeJS.ErrnoException, options);
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => closeServer(server),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsServerOptions,
  timeoutMs: number,
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://worker").pathname;
  if (!PATHS.has(path)) {
    return sendProblem(res, "NOT_FOUND", `${path} is not served here; try /metrics, /healthz or /readyz`);
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return sendProblem(res, "METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}; use GET`);
  }
  if (path === "/healthz") return send(res, 200, "application/json", JSON.stringify({ status: "ok" }));
  if (path === "/metrics") {
    const text = await options.registry.metrics();
    return send(res, 200, options.registry.contentType, text);
  }
  const results = await Promise.all(
    options.readiness.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
        return [name, { ok: true }] as const;
      } catch (error) {
        return [name, { ok: false, error: (error as Error)?.message ?? String(error) }] as const;
      }
    }),
  );
  const ready = results.every(([, r]) => r.ok);
  const body = { status: ready ? "ready" : "unavailable", checks: Object.fromEntries(results) };
  return send(res, ready ? 200 : 503, "application/json", JSON.stringify(body));
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function sendProblem(res: ServerResponse, code: ErrorCode, detail: string): void {
  const status = statusOf(code);
  const body: Problem = { status, code, title: TITLES[code] ?? code, detail };
  send(res, status, "application/problem+json", JSON.stringify(body));
}

function listenError(error: NodeJS.ErrnoException, options: MetricsServerOptions): Error {
  const where = `${options.host}:${options.port}`;
  const next =
    error.code === "EADDRINUSE"
      ? `port ${options.port} is taken (another worker on this machine?): give each worker its own ARCADE_WORKER_METRICS_PORT, or 0 to serve no metrics`
      : error.code === "EADDRNOTAVAIL"
        ? `${options.host} is not an address of this machine: set ARCADE_SERVER_HOST`
        : "check ARCADE_SERVER_HOST and ARCADE_WORKER_METRICS_PORT";
  return new Error(`the worker's metrics endpoint could not listen on ${where}: ${next}`, { cause: error });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Scrapers keep connections alive; idle ones must not hold the shutdown.
    server.closeIdleConnections();
  });
}
