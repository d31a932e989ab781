import { Type } from "@sinclair/typebox";
import { ClusterNodeSchema } from "./resources.js";
import { defineRoute } from "./route.js";

export const listNodes = defineRoute({
  method: "GET",
  path: "/api/v1/cluster/nodes",
  operationId: "listNodes",
  tag: "cluster",
  summary: "Live nodes: revision applied and each plugin's load state",
  access: "viewer",
  ok: {
    status: [200],
    description: "Every node with a fresh heartbeat.",
    json: Type.Array(ClusterNodeSchema),
  },
  errors: [404],
});

export const CLUSTER_ROUTES = [listNodes] as const;
