import type { IncomingMessage } from "node:http";
import { AppError } from "@arcade/core";
import type { Context, MiddlewareHandler } from "hono";
import { problem } from "./problem.js";

export interface RequestDeadlineOptions {
  /** Milliseconds from the headers to the last byte of the body on ordinary routes. */
  requestTimeoutMs: number;
  /** The same for the upload routes. */
  uploadTimeoutMs: number;
}

/** The routes whose bodies are plugin archives (up to plugin.max_plugin_size). */
export function isUploadRoute(method: string, path: string): boolean {
  const p = path.replace(/\/+$/, "");
  if (method === "POST") return p === "/api/v1/plugins/install" || p === "/api/v1/plugins/validate-manifest";
  return method === "PUT" && /^\/api\/v1\/plugins\/[^/]+$/.test(p);
}

/**
 * A deadline per route for receiving the request: Node's own `requestTimeout` is one number per
 * server, so it is set to the longest (uploads) and this cuts every other route sooner. Only
 * receiving counts: once the body is complete the timer stops, so a handler that waits
 * (`?wait=60`) is not cut. When the deadline passes with the body still incomplete, the answer
 * is 408 REQUEST_TIMEOUT with `Connection: close`, and the connection is closed once it is
 * written (the handler still reading that body is abandoned). Only under @hono/node-server,
 * which passes `{ incoming }` as env; elsewhere (tests through app.request) it does nothing.
 */
export function requestDeadline(options: RequestDeadlineOptions): MiddlewareHandler {
  return async function requestDeadlineMiddleware(c, next) {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (!incoming || incoming.complete || !hasBody(incoming)) return next();
    const ms = isUploadRoute(c.req.method, c.req.path) ? options.uploadTimeoutMs : options.requestTimeoutMs;

    let timer: NodeJS.Timeout | undefined;
    let stopWatching = () => {};
    const expired = new Promise<"expired">((resolve) => {
      const stop = () => clearTimeout(timer);
      timer = setTimeout(() => resolve("expired"), ms);
      timer.unref();
      incoming.once("end", stop);
      incoming.once("close", stop);
      stopWatching = () => {
        stop();
        incoming.off("end", stop);
        incoming.off("close", stop);
      };
    });
    const handled = next().then(() => "handled" as const);
    // If the deadline wins, the handler's later failure (its body stream breaks) is nobody's news.
    handled.catch(() => {});
    try {
      const first = await Promise.race([handled, expired]);
      if (first === "handled") return;
    } finally {
      stopWatching();
    }
    if (incoming.complete) {
      // The body arrived just in time: the handler's answer is still coming.
      await handled;
      return;
    }
    cutAfterAnswer(c, incoming);
    c.res = withClose(
      problem(
        c,
        new AppError("REQUEST_TIMEOUT", `the request did not arrive within ${ms} ms`, {
          detail:
            "The body came too slowly. Send it faster, or ask the administrator to raise server.request_timeout (server.upload_timeout for uploads).",
        }),
      ),
    );
  };
}

function hasBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers["content-length"];
  return incoming.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function withClose(res: Response): Response {
  res.headers.set("connection", "close");
  return res;
}

/** Once the 408 is written (or the client is gone), the connection goes. */
function cutAfterAnswer(c: Context, incoming: IncomingMessage): void {
  const outgoing = (c.env as { outgoing?: { once(event: string, f: () => void): void } }).outgoing;
  const destroy = () => incoming.socket?.destroy();
  if (outgoing) {
    outgoing.once("finish", destroy);
    outgoing.once("close", destroy);
  }
  // Bound: an answer that cannot be written (the client does not read) must not hold the socket.
  setTimeout(destroy, 1000).unref();
}
