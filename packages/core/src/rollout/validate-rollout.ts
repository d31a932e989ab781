import type { CanaryStep, FieldError, RolloutRequest } from "@arcade/contracts";
import semver from "semver";
import { joinPointer } from "../schema/json-pointer.js";
import { parseDurationMs } from "./duration.js";

/** Steps of a canary that names none: one node for a minute, half for five, then every node. */
export const DEFAULT_CANARY_STEPS: readonly CanaryStep[] = Object.freeze([
  { nodes: 1, hold: "60s" },
  { percent: 50, hold: "5m" },
  { percent: 100 },
]);

/** The versions a rollout moves between: `fromVersion` null on a first install. */
export interface RolloutVersions {
  fromVersion: string | null;
  toVersion: string;
}

/**
 * The rules of a rollout request beyond its wire schema (RolloutRequestSchema checks the
 * shape): steps only for a canary, readable holds, counts and percentages that grow, a split
 * only with all-at-once, over versions that differ from the installed one, that adds up to at
 * most 100. Pointers are to the `rollout` member where it sits in a request, a job payload and a
 * manifest alike (`/rollout/steps/1/hold`).
 */
export function validateRolloutRequest(request: RolloutRequest, versions?: RolloutVersions): FieldError[] {
  return rolloutRuleErrors(request, versions).map((e) => ({ ...e, path: `/rollout${e.path}` }));
}

function rolloutRuleErrors(request: RolloutRequest, versions?: RolloutVersions): FieldError[] {
  const errors: FieldError[] = [];
  if (request.steps !== undefined) {
    if (request.strategy !== "canary") {
      errors.push({
        path: "/steps",
        message: `steps apply to the canary strategy only, not ${request.strategy}`,
      });
    } else {
      errors.push(...stepErrors(request.steps));
    }
  }
  if (request.split !== undefined) errors.push(...splitErrors(request, versions));
  if (request.callerKeyHeader !== undefined && request.split === undefined) {
    errors.push({ path: "/callerKeyHeader", message: "a caller key only applies to a split" });
  }
  return errors;
}

function stepErrors(steps: readonly CanaryStep[]): FieldError[] {
  const errors: FieldError[] = [];
  let lastNodes = 0;
  let lastPercent = 0;
  steps.forEach((step, i) => {
    if (step.hold !== undefined && parseDurationMs(step.hold) === undefined) {
      errors.push({
        path: joinPointer("/steps", i, "hold"),
        message: `cannot read ${JSON.stringify(step.hold)} as a duration (e.g. "60s", "5m", or seconds)`,
      });
    }
    // Counts are cumulative, so within one kind each step must ask for more than the one before
    // (across kinds it depends on the node count; the expansion then keeps the larger).
    if ("nodes" in step) {
      if (!Number.isInteger(step.nodes) || step.nodes < 1) {
        errors.push({
          path: joinPointer("/steps", i, "nodes"),
          message: "must be a whole number of nodes, at least 1",
        });
      } else if (step.nodes <= lastNodes) {
        errors.push({
          path: joinPointer("/steps", i, "nodes"),
          message: `must be more than an earlier step's ${lastNodes} (counts are cumulative)`,
        });
      } else lastNodes = step.nodes;
    } else if (!(step.percent > 0 && step.percent <= 100)) {
      errors.push({
        path: joinPointer("/steps", i, "percent"),
        message: "must be more than 0 and at most 100",
      });
    } else if (step.percent <= lastPercent) {
      errors.push({
        path: joinPointer("/steps", i, "percent"),
        message: `must be more than an earlier step's ${lastPercent}% (percentages are cumulative)`,
      });
    } else lastPercent = step.percent;
  });
  return errors;
}

function splitErrors(request: RolloutRequest, versions: RolloutVersions | undefined): FieldError[] {
  const split = request.split ?? {};
  const errors: FieldError[] = [];
  if (request.strategy !== "all-at-once") {
    errors.push({
      path: "/split",
      message: `a split serves both versions on every node; it goes with all-at-once, not ${request.strategy}`,
    });
  }
  if (versions && versions.fromVersion === null) {
    errors.push({ path: "/split", message: "a split needs an installed version to share the calls with" });
  }
  let total = 0;
  for (const [version, percent] of Object.entries(split)) {
    const at = joinPointer("/split", version);
    if (semver.valid(version) === null)
      errors.push({ path: at, message: `${version} is not a semantic version` });
    else if (versions?.fromVersion && semver.eq(version, versions.fromVersion)) {
      errors.push({
        path: at,
        message: `${version} is the installed version: it serves the rest of the calls`,
      });
    } else if (versions && !semver.eq(version, versions.toVersion)) {
      errors.push({ path: at, message: `the request installs ${versions.toVersion}, not ${version}` });
    }
    if (!(percent >= 0 && percent <= 100))
      errors.push({ path: at, message: "must be a percentage, 0 to 100" });
    else total += percent;
  }
  if (total > 100) errors.push({ path: "/split", message: `the shares add up to ${total}%, more than 100%` });
  return errors;
}
