import type { MiddlewareHandler } from "hono";

/**
 * Answers `Connection: close` when a handler started reading the request body and stopped
 * before its end: a 413 cut off mid-upload, a 400 at the first malformed multipart part.
 * After such an answer @hono/node-server cannot drain the rest (the body's web-stream adapter
 * keeps pausing the socket), so it closes the connection. An answer that said keep-alive lets
 * the client send its next request into that closing socket and fail ("other side closed").
 * A body never touched (401, 404, a 413 decided from Content-Length) is drained as usual, and
 * the connection stays open. Only under @hono/node-server, which passes `{ incoming }` as env.
 */
export function closeUnreadBody(): MiddlewareHandler {
  return async function closeUnreadBodyMiddleware(c, next) {
    await next();
    const env = c.env as { incoming?: { complete?: boolean } } | undefined;
    if (env?.incoming?.complete === false && c.req.raw.bodyUsed) c.res.headers.set("connection", "close");
  };
}
