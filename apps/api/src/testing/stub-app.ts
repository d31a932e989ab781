import { DEFAULT_ARCHIVE_LIMITS, silentLogger, systemClock } from "@arcade/core";
import type { Hono } from "hono";
import { createApp } from "../app.js";
import type { ApiDeps } from "../deps.js";

/**
 * The app over ports that are never called, for tests of what the app is made of (its routes,
 * its route guard, its OpenAPI document), which need no services.
 */
export function createStubApp(overrides: Partial<ApiDeps> = {}): Hono {
  const unused = new Proxy(
    {},
    {
      get: (_, name) => () => {
        throw new Error(`stub port: ${String(name)} was called`);
      },
    },
  );
  return createApp({
    logger: silentLogger,
    clock: systemClock,
    plugins: unused as ApiDeps["plugins"],
    jobs: unused as ApiDeps["jobs"],
    store: unused as ApiDeps["store"],
    queue: unused as ApiDeps["queue"],
    auth: { disabled: true, tokens: [] },
    limits: {
      maxPluginSize: 1024,
      jsonBodyBytes: 1024,
      rateLimitPerMinute: 0,
      archiveLimits: DEFAULT_ARCHIVE_LIMITS,
      actionTimeoutMs: 1000,
    },
    workDir: "/nonexistent",
    readiness: [],
    node: null,
    cluster: null,
    metricsText: async () => "",
    ...overrides,
  });
}
