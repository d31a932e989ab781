import { listNodes } from "@arcade/contracts";
import { AppError } from "@arcade/core";
import type { Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { ContractRouter } from "../http/contract-router.js";

/** Every /api/v1/cluster route, in one router. */
export function clusterRoutes(deps: ApiDeps): Hono {
  return new ContractRouter("/api/v1/cluster", deps.limits).on(listNodes, async (c) => {
    if (!deps.cluster) throw new AppError("NOT_FOUND", "the node registry is not available in this process");
    return c.json(await deps.cluster.listNodes());
  }).app;
}
