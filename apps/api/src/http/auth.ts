import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@arcade/core";
import type { MiddlewareHandler } from "hono";
import type { Principal, Role, TokenRole } from "./context.js";

export interface TokenEntry {
  name: string;
  role: TokenRole;
  /** Lowercase hex SHA-256 of the token; plain tokens are never kept. */
  sha256: string;
}

export interface AuthOptions {
  disabled: boolean;
  tokens: readonly TokenEntry[];
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const ANONYMOUS_ADMIN: Principal = { name: "anonymous", role: "admin" };

/**
 * Bearer-token authentication. The presented token is hashed and compared
 * with every configured hash in constant time (no early exit), so timing
 * tells nothing about which token or how much of it matched.
 *
 * A token of the `metrics` role (the one to give Prometheus) passes only where
 * `metricsReaders` is set (/metrics); anywhere else it is 403, whatever the route asks.
 */
export function authenticate(
  options: AuthOptions,
  where: { metricsReaders?: boolean } = {},
): MiddlewareHandler {
  const entries = options.tokens.map((t) => ({ ...t, digest: Buffer.from(t.sha256, "hex") }));
  return async function authenticateMiddleware(c, next) {
    if (options.disabled) {
      c.set("principal", ANONYMOUS_ADMIN);
      return next();
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer[ ]+([^\s]{1,512})$/i.exec(header.trim());
    if (!match?.[1]) {
      throw new AppError("UNAUTHORIZED", "a bearer token is required", {
        detail: "Send `Authorization: Bearer <token>` (the run command prints an admin token).",
      });
    }
    const digest = createHash("sha256").update(match[1]).digest();
    let found: { name: string; role: TokenRole } | null = null;
    for (const entry of entries) {
      if (entry.digest.length === digest.length && timingSafeEqual(entry.digest, digest) && !found) {
        found = { name: entry.name, role: entry.role };
      }
    }
    if (!found) throw new AppError("UNAUTHORIZED", "the bearer token is not valid");
    if (found.role === "metrics") {
      if (where.metricsReaders) return next();
      throw new AppError("FORBIDDEN", "this token may only read /metrics", {
        detail: `The token "${found.name}" has the metrics role; use a viewer, operator or admin token.`,
      });
    }
    c.set("principal", { name: found.name, role: found.role } satisfies Principal);
    return next();
  };
}

export function requireRole(role: Role): MiddlewareHandler {
  return async function requireRoleMiddleware(c, next) {
    const principal = c.get("principal");
    if (!principal || RANK[principal.role] < RANK[role]) {
      throw new AppError("FORBIDDEN", `this needs the ${role} role`, {
        detail: `The token "${principal?.name ?? "?"}" has the ${principal?.role ?? "no"} role.`,
      });
    }
    return next();
  };
}
