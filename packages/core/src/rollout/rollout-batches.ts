import { createHash } from "node:crypto";
import type { CanaryStep, RolloutBatch, RolloutRequest } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { formatFieldErrors } from "../schema/field-errors.js";
import { parseDurationMs } from "./duration.js";
import { DEFAULT_CANARY_STEPS, type RolloutVersions, validateRolloutRequest } from "./validate-rollout.js";

/**
 * The order in which nodes join a canary: by a hash of `seed` and the node id, so the first
 * canary node differs between plugins (seed: the plugin id) yet is the same every time for the
 * same inputs; without a seed, by node id. Duplicates are dropped.
 */
export function rolloutOrder(nodeIds: readonly string[], seed?: string): string[] {
  const unique = [...new Set(nodeIds)];
  const key = (id: string) =>
    seed === undefined ? "" : createHash("sha256").update(`${seed}\0${id}`).digest("hex");
  const keyed = unique.map((id) => ({ id, key: key(id) }));
  keyed.sort((a, b) => compare(a.key, b.key) || compare(a.id, b.id));
  return keyed.map((k) => k.id);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How many of `total` nodes a step covers: a count (at most all), or a percentage rounded up. */
export function stepTarget(step: CanaryStep, total: number): number {
  if (total === 0) return 0;
  if ("nodes" in step) return Math.min(step.nodes, total);
  // The epsilon keeps 10% of 30 at 3 despite 30 * 10 / 100 = 3.0000000000000004.
  return Math.min(total, Math.max(1, Math.ceil((total * step.percent) / 100 - 1e-9)));
}

/**
 * Expands a rollout request for the live nodes into its ordered steps. Deterministic for the
 * same request, node ids and seed. The last step always covers every node: a canary whose
 * last step falls short gets an implicit `{ "percent": 100 }` without a hold. A canary without
 * steps takes DEFAULT_CANARY_STEPS. Throws VALIDATION_FAILED (pointers to the `rollout`
 * member) when the request breaks validateRolloutRequest.
 */
export function expandRollout(
  request: RolloutRequest,
  nodeIds: readonly string[],
  options: { seed?: string; versions?: RolloutVersions } = {},
): RolloutBatch[] {
  const errors = validateRolloutRequest(request, options.versions);
  if (errors.length > 0) {
    throw new AppError("VALIDATION_FAILED", "the rollout request is not valid", {
      errors,
      detail: `Fix these fields of the rollout and send the request again:\n${formatFieldErrors(errors)}`,
    });
  }
  const order = rolloutOrder(nodeIds, options.seed);
  if (request.split !== undefined) return [{ step: 0, kind: "split", holdMs: 0, nodes: order, added: order }];
  switch (request.strategy) {
    case "all-at-once":
      return [{ step: 0, kind: "switch", holdMs: 0, nodes: order, added: order }];
    case "two-phase":
      return [
        { step: 0, kind: "prepare", holdMs: 0, nodes: order, added: order },
        { step: 1, kind: "switch", holdMs: 0, nodes: order, added: [] },
      ];
    case "canary":
      return canaryBatches(request.steps ?? DEFAULT_CANARY_STEPS, order);
  }
}

function canaryBatches(steps: readonly CanaryStep[], order: string[]): RolloutBatch[] {
  const batches: RolloutBatch[] = [];
  let covered = 0;
  for (const step of steps) {
    const target = Math.max(covered, stepTarget(step, order.length));
    batches.push(batch(batches.length, order, covered, target, parseDurationMs(step.hold ?? 0) ?? 0));
    covered = target;
  }
  if (covered < order.length || batches.length === 0) {
    batches.push(batch(batches.length, order, covered, order.length, 0));
  }
  return batches;
}

function batch(step: number, order: string[], from: number, to: number, holdMs: number): RolloutBatch {
  return { step, kind: "switch", holdMs, nodes: order.slice(0, to), added: order.slice(from, to) };
}
