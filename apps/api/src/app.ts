import { AppError, isAppError } from "@arcade/core";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ApiDeps } from "./deps.js";
import { authenticate } from "./http/auth.js";
import { closeUnreadBody } from "./http/close-unread-body.js";
import "./http/context.js";
import { hostAllowList } from "./http/host-allow-list.js";
import { problem } from "./http/problem.js";
import {
  createRateLimiterSet,
  guardAuthentication,
  limitByAddress,
  limitByToken,
} from "./http/rate-limit.js";
import { requestContext } from "./http/request-context.js";
import { requestDeadline } from "./http/request-deadline.js";
import { routeGuard } from "./http/route-guard.js";
import { securityHeaders } from "./http/security-headers.js";
import { clusterRoutes } from "./routes/cluster.js";
import { jobRoutes } from "./routes/jobs.js";
import { pluginRoutes } from "./routes/plugins.js";
import { systemRoutes } from "./routes/system.js";

/** The HTTP API as a Hono app; main.ts serves it, tests call app.request(). */
export function createApp(deps: ApiDeps): Hono {
  // strict: false makes `/plugins/` the same route as `/plugins` (the route guard allows both).
  const app = new Hono({ strict: false });
  const trust = { trustProxy: deps.trustProxy ?? false };
  const limiters =
    deps.rateLimiters ??
    createRateLimiterSet({
      address: { perMinute: 0, keyPrefix: "rl:addr" },
      authFailures: { perMinute: 0, keyPrefix: "rl:auth" },
      token: { perMinute: deps.limits.rateLimitPerMinute, keyPrefix: "rl:token" },
    });
  const authenticated = guardAuthentication(limiters.authFailures, authenticate(deps.auth), trust);
  const metricsReader = guardAuthentication(
    limiters.authFailures,
    authenticate(deps.auth, { metricsReaders: true }),
    trust,
  );
  // Order matters: everything below the first two is bounded in time and headed, and nothing
  // that costs more than a counter runs for a request from a wrong Host or an address over budget.
  app.use(requestContext({ logger: deps.logger, ...(deps.onRequest ? { onFinish: deps.onRequest } : {}) }));
  app.use(securityHeaders());
  app.use(
    requestDeadline({
      requestTimeoutMs: deps.limits.requestTimeoutMs ?? 30_000,
      uploadTimeoutMs: deps.limits.uploadTimeoutMs ?? 300_000,
    }),
  );
  app.use(closeUnreadBody());
  app.use(hostAllowList(deps.allowedHosts ?? []));
  app.use("/metrics", limitByAddress(limiters.address, trust));
  app.use("/api/*", limitByAddress(limiters.address, trust));
  app.use(routeGuard(() => app.routes));
  // Probes, /metrics, /api/v1/openapi.json and /docs: before the API's authentication.
  app.route("/", systemRoutes(deps, metricsReader));

  // One router per resource, each mounted once; every route comes from its contract
  // (packages/contracts/src/http), which the OpenAPI document is built from too.
  const api = new Hono({ strict: false });
  api.use(authenticated);
  api.use(limitByToken(limiters.token, trust));
  api.route("/plugins", pluginRoutes(deps));
  api.route("/jobs", jobRoutes(deps));
  api.route("/cluster", clusterRoutes(deps));
  app.route("/api/v1", api);

  // Unknown paths and wrong methods never get here: routeGuard answers them from the same routes.
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
