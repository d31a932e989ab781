import { AppError } from "@arcade/core";
import type { MiddlewareHandler } from "hono";
import { allowedMethods } from "./method-table.js";
import { problem } from "./problem.js";

/**
 * Answers 404 for unknown paths and 405 (with Allow) for a wrong method before
 * anything else runs. Without it, a parameter route swallows static paths
 * (`GET /plugins/install` would look up a plugin called "install" and answer
 * PLUGIN_NOT_FOUND), and an anonymous caller would get 401 for a path that does
 * not exist. The route table is public (architecture §4), so this tells an
 * unauthenticated caller nothing new.
 */
export function routeGuard(): MiddlewareHandler {
  return async function routeGuardMiddleware(c, next) {
    const path = c.req.path;
    const allowed = allowedMethods(path);
    if (!allowed) {
      return problem(c, new AppError("NOT_FOUND", `no route for ${c.req.method} ${path.slice(0, 200)}`));
    }
    if (!allowed.includes(c.req.method)) {
      return problem(c, new AppError("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on this path`), {
        Allow: allowed.join(", "),
      });
    }
    return next();
  };
}
