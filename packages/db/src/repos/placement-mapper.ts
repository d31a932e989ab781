import type { RolloutPlacement } from "@arcade/contracts";
import type { PlacementWrite } from "@arcade/core";
import type { PluginRolloutEntity } from "../entities/plugin-rollout-entity.js";
import { parseJson, parseJsonOrNull, toJson, toJsonOrNull } from "./json-column.js";

export function toPlacement(row: PluginRolloutEntity): RolloutPlacement {
  return {
    pluginId: row.pluginId,
    jobId: row.jobId,
    fromVersion: row.fromVersion,
    toVersion: row.toVersion,
    nodes: parseJson<string[]>(row.nodes, "t_plugin_rollout.nodes"),
    alongside: parseJsonOrNull<RolloutPlacement["alongside"]>(row.alongside, "t_plugin_rollout.alongside"),
    hold: Boolean(row.holdCalls),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Entity columns of a placement; `updatedAt` is the writer's time when given, else now. */
export function placementColumns(p: PlacementWrite): PluginRolloutEntity {
  return {
    pluginId: p.pluginId,
    jobId: p.jobId,
    fromVersion: p.fromVersion,
    toVersion: p.toVersion,
    nodes: toJson(p.nodes),
    alongside: toJsonOrNull(p.alongside),
    holdCalls: p.hold,
    updatedAt: p.updatedAt === undefined ? new Date() : new Date(p.updatedAt),
  };
}
