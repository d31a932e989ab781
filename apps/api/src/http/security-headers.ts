import type { MiddlewareHandler } from "hono";

/** RFC 6750: the challenge of a 401, so clients know which scheme (and realm) to answer with. */
export const BEARER_CHALLENGE = 'Bearer realm="arcade"';

/**
 * Headers on every answer of the app:
 * - `X-Content-Type-Options: nosniff`: a browser never reads a JSON or text answer as HTML or
 *   script, whatever it contains (plugin names, configs and errors echo caller input);
 * - `Cache-Control: no-store`: answers can carry config values and tokens' names; no proxy
 *   or browser cache keeps them;
 * - `WWW-Authenticate` on every 401, with `error="invalid_token"` when a token was sent.
 */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const headers = c.res.headers;
    headers.set("x-content-type-options", "nosniff");
    headers.set("cache-control", "no-store");
    if (c.res.status === 401) {
      const sent = (c.req.header("authorization") ?? "").trim() !== "";
      headers.set("www-authenticate", sent ? `${BEARER_CHALLENGE}, error="invalid_token"` : BEARER_CHALLENGE);
    }
  };
}
