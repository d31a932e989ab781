import { AppError } from "@arcade/core";
import { Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { requireRole } from "../http/auth.js";

export function clusterRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/nodes", requireRole("viewer"), async (c) => {
    if (!deps.cluster) throw new AppError("NOT_FOUND", "the node registry is not available in this process");
    return c.json(await deps.cluster.listNodes());
  });
  return app;
}
