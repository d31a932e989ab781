import { randomUUID } from "node:crypto";
import type { Logger } from "@arcade/core";
import type { MiddlewareHandler } from "hono";

const VALID_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it is sane) and a
 * child logger carrying it, and writes one access-log line per request.
 */
export function requestContext(options: {
  logger: Logger;
  onFinish?: (info: { method: string; route: string; status: number; seconds: number }) => void;
}): MiddlewareHandler {
  return async function requestContextMiddleware(c, next) {
    const given = c.req.header("x-request-id");
    const requestId = given && VALID_ID.test(given) ? given : randomUUID();
    const logger = options.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("logger", logger);
    const started = performance.now();
    await next();
    c.header("x-request-id", requestId);
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || "unmatched";
    options.onFinish?.({ method: c.req.method, route, status: c.res.status, seconds });
    const line = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(seconds * 1000),
    };
    if (c.res.status >= 500) logger.error(line, "request failed");
    else logger.info(line, "request");
  };
}
