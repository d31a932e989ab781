import { Hono } from "hono";
import type { ApiDeps } from "../deps.js";

const CHECK_TIMEOUT_MS = 2000;

/**
 * /healthz: the process is up. /readyz: database, Redis and object store answer. No token
 * needed, any Host accepted (probes use the pod address). /metrics needs a token: app.ts.
 */
export function healthRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const results = await Promise.all(
      deps.readiness.map(async (check) => {
        try {
          await withTimeout(check.check(), CHECK_TIMEOUT_MS);
          return [check.name, { ok: true }] as const;
        } catch (error) {
          return [check.name, { ok: false, error: (error as Error).message }] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r.ok);
    return c.json(
      { status: ready ? "ready" : "unavailable", checks: Object.fromEntries(results) },
      ready ? 200 : 503,
    );
  });
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
