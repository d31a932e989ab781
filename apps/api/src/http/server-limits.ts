import type { Server, ServerOptions } from "node:http";

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  uploadTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0: no limit. */
  maxConnections: number;
}

/**
 * Node's own bounds on slow clients, from server.* config. The request deadline is per server
 * in Node, so it is the longest one (uploads); requestDeadline() cuts other routes sooner.
 * Node checks both timeouts every `connectionsCheckingInterval` (30 s by default, which is why a
 * dripping client used to be held a minute and a half): a check every second keeps the cut
 * within a second of the limit.
 */
export function serverOptions(limits: ServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // A little past the upload deadline, so the middleware's 408 comes first.
    requestTimeout: limits.uploadTimeoutMs + 1000,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** What can only be set on the server object once it exists. */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  // Keep-alive is bounded in requests too, not only in idle time.
  server.maxRequestsPerSocket = 1000;
}
