import { AppError } from "@arcade/core";
import type { MiddlewareHandler } from "hono";
import { problem } from "./problem.js";
import { allowedMethods, type ListedRoute, type RouteTable, routeTable } from "./route-table.js";

/**
 * Answers 404 for unknown paths and 405 (with Allow) for a wrong method before
 * anything else runs. Without it, a parameter route swallows static paths
 * (`GET /plugins/install` would look up a plugin called "install" and answer
 * PLUGIN_NOT_FOUND), and an anonymous caller would get 401 for a path that does
 * not exist. The table is the app's own routes (`routes()`, read at the first request,
 * when every route is registered); the route table is public (architecture §4, and
 * /api/v1/openapi.json), so this tells an unauthenticated caller nothing new.
 */
export function routeGuard(routes: () => readonly ListedRoute[]): MiddlewareHandler {
  let table: RouteTable | undefined;
  return async function routeGuardMiddleware(c, next) {
    table ??= routeTable(routes());
    const path = c.req.path;
    const allowed = allowedMethods(table, path);
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
