import { docsAsset, docsPage, healthz, metrics, openApiDocument, readyz } from "@arcade/contracts";
import { AppError, withTimeout } from "@arcade/core";
import type { Hono, MiddlewareHandler } from "hono";
import type { ApiDeps } from "../deps.js";
import {
  DOCS_CSP,
  DOCS_HTML,
  type DocsAsset,
  openApiDocument as document,
  docsAsset as readDocsAsset,
} from "../docs/reference-page.js";
import { ContractRouter } from "../http/contract-router.js";

const CHECK_TIMEOUT_MS = 2000;

/**
 * The routes outside the resources. /healthz: the process is up. /readyz: database, Redis and
 * object store answer. No token needed for either, any Host accepted (probes use the pod
 * address). /metrics: any token, including one of the metrics role. /api/v1/openapi.json and
 * /docs: no token (the routes are public, architecture §4, and a browser loading /docs sends
 * none); the address rate limit and the Host allow-list still apply.
 */
export function systemRoutes(deps: ApiDeps, metricsReader: MiddlewareHandler): Hono {
  const router = new ContractRouter("", deps.limits)
    .on(healthz, (c) => c.json({ status: "ok" as const }))
    .on(readyz, async (c) => {
      const results = await Promise.all(
        deps.readiness.map(async (check) => {
          try {
            await withTimeout(
              check.check(),
              CHECK_TIMEOUT_MS,
              () => new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`),
            );
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
    })
    .on(openApiDocument, (c) => c.json(document()))
    .on(docsPage, (c) => c.html(DOCS_HTML, 200, { "content-security-policy": DOCS_CSP }))
    .on(docsAsset, async (c, { params }) => {
      const file = params.file as DocsAsset;
      if (!Object.hasOwn(ASSET_NAMES, file)) throw new AppError("NOT_FOUND", "no such file of the docs page");
      const { text, contentType } = await readDocsAsset(file);
      return c.body(text, 200, { "content-type": contentType, "content-security-policy": DOCS_CSP });
    });
  if (deps.metricsText) {
    const text = deps.metricsText;
    router.on(
      metrics,
      async (c) => c.body(await text(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
      { guard: [metricsReader] },
    );
  }
  return router.app;
}

const ASSET_NAMES: Record<DocsAsset, true> = {
  "swagger-ui.css": true,
  "swagger-ui-bundle.js": true,
  "docs-init.js": true,
};
