import { AppError, isAppError } from "@arcade/core";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ApiDeps } from "./deps.js";
import { authenticate } from "./http/auth.js";
import { closeUnreadBody } from "./http/close-unread-body.js";
import "./http/context.js";
import { problem } from "./http/problem.js";
import { rateLimit } from "./http/rate-limit.js";
import { requestContext } from "./http/request-context.js";
import { routeGuard } from "./http/route-guard.js";
import { clusterRoutes } from "./routes/cluster.js";
import { healthRoutes } from "./routes/health.js";
import { jobRoutes } from "./routes/jobs.js";
import { nodeRoutes } from "./routes/node.js";
import { pluginReadRoutes } from "./routes/plugins-read.js";
import { pluginWriteRoutes } from "./routes/plugins-write.js";
import { validateManifestRoutes } from "./routes/validate-manifest.js";

/** The HTTP API as a Hono app; main.ts serves it, tests call app.request(). */
export function createApp(deps: ApiDeps): Hono {
  // strict: false makes `/plugins/` the same route as `/plugins`, as the method table already has it.
  const app = new Hono({ strict: false });
  app.use(requestContext({ logger: deps.logger, ...(deps.onRequest ? { onFinish: deps.onRequest } : {}) }));
  app.use(closeUnreadBody());
  app.use(routeGuard());
  app.route("/", healthRoutes(deps));

  const api = new Hono({ strict: false });
  api.use(authenticate(deps.auth));
  api.use(rateLimit({ perMinute: deps.limits.rateLimitPerMinute }));
  // Static paths before /plugins/:pluginId.
  api.route("/plugins/validate-manifest", validateManifestRoutes(deps));
  api.route("/plugins", nodeRoutes(deps));
  api.route("/plugins", pluginWriteRoutes(deps));
  api.route("/plugins", pluginReadRoutes(deps));
  api.route("/jobs", jobRoutes(deps));
  api.route("/cluster", clusterRoutes(deps));
  app.route("/api/v1", api);

  // Unknown paths and wrong methods never get here (routeGuard); this is a known
  // path whose handler is absent in this process, e.g. /metrics without metricsText.
  app.notFound((c) =>
    problem(c, new AppError("NOT_FOUND", `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`)),
  );

  app.onError((error, c) => {
    if (isAppError(error)) {
      const headers: Record<string, string> = {};
      if (error.code === "RATE_LIMITED") headers["Retry-After"] = String(error.extras.retryAfter ?? 1);
      else if (error.status === 503) headers["Retry-After"] = "5";
      if (error.status >= 500)
        c.get("logger")?.warn({ code: error.code, err: error.message }, "request failed");
      return problem(c, error, headers);
    }
    if (error instanceof HTTPException && error.status < 500) {
      const code = error.status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST";
      return problem(c, new AppError(code, error.message || "bad request"));
    }
    c.get("logger")?.error({ err: error }, "unexpected error");
    return problem(
      c,
      new AppError("INTERNAL", "an unexpected error occurred; see the server log for the request id"),
    );
  });

  return app;
}
