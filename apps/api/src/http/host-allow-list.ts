import { AppError } from "@arcade/core";
import type { MiddlewareHandler } from "hono";
import { problem } from "./problem.js";

/** Probes use the pod or machine address, which no allow-list would name. */
const EXEMPT = new Set(["/healthz", "/readyz"]);

/**
 * `server.allowed_hosts`: answers 421 HOST_NOT_ALLOWED to a request whose Host header is not
 * listed (DNS rebinding, and links built from a forged Host). An entry without a port allows
 * that name on any port; one with a port only that pair. Empty list: every Host.
 */
export function hostAllowList(allowed: readonly string[]): MiddlewareHandler {
  const names = new Set(allowed.filter((h) => !hasPort(h)).map((h) => h.toLowerCase()));
  const pairs = new Set(allowed.filter(hasPort).map((h) => h.toLowerCase()));
  return async function hostAllowListMiddleware(c, next) {
    if (allowed.length === 0 || EXEMPT.has(c.req.path)) return next();
    const host = (c.req.header("host") ?? "").trim().toLowerCase();
    if (host !== "" && (pairs.has(host) || names.has(hostName(host)))) return next();
    return problem(
      c,
      new AppError(
        "HOST_NOT_ALLOWED",
        `this API does not answer for host ${JSON.stringify(host.slice(0, 100))}`,
        {
          detail: "Use one of the names in server.allowed_hosts (ask the administrator which).",
        },
      ),
    );
  };
}

/** `a.example:8080` and `[::1]:8080` have a port; `a.example` and `[::1]` do not. */
function hasPort(host: string): boolean {
  return /:\d+$/.test(host) && !/^[^[]*:.*:/.test(host);
}

function hostName(host: string): string {
  return hasPort(host) ? host.slice(0, host.lastIndexOf(":")) : host;
}
