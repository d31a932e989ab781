import { type Static, Type } from "@sinclair/typebox";
import { ERROR_CODES } from "../error-codes.js";
import { JOB_TYPES } from "../job.js";
import { type ChangePlan, ROLLOUT_STRATEGIES } from "../rollout.js";
import { FieldErrorSchema, Literals } from "./common.js";

/**
 * The answer of a mutation sent with `?dryRun=true` (ChangePlan in rollout.ts, built by core's
 * planChange), as a schema: the OpenAPI document shows it, the contract tests check answers
 * against it, and the check at the end keeps it and the interface the same both ways.
 */

const Version = Type.String();
const NullableString = Type.Union([Type.String(), Type.Null()]);

const PlannedDependentSchema = Type.Object({
  pluginId: Type.String(),
  name: Type.String(),
  version: Version,
  requires: Type.String({ description: "The range the dependent asks of the plugin." }),
});

const PlannedStepSchema = Type.Object({
  step: Type.Integer({ minimum: 0 }),
  kind: Literals(["switch", "prepare", "split"] as const),
  holdMs: Type.Number({ minimum: 0 }),
  nodes: Type.Array(
    Type.Object({
      nodeId: Type.String(),
      serves: Type.Record(Type.String(), Type.Number(), {
        description: "Version -> share of calls (percent) the node serves once the step is applied.",
      }),
      loads: Type.Optional(Type.String({ description: "two-phase prepare: loaded, not serving yet." })),
    }),
  ),
});

export const ChangePlanSchema = Type.Object(
  {
    type: Literals(JOB_TYPES),
    pluginId: NullableString,
    name: Type.String(),
    fromVersion: NullableString,
    toVersion: NullableString,
    changed: Type.Optional(
      Type.Literal(false, { description: "Present when the job would change nothing (already applied)." }),
    ),
    dependencies: Type.Object({
      cascade: Type.Array(PlannedDependentSchema, {
        description: "Plugins a cascading disable/uninstall handles first, in order.",
      }),
      broken: Type.Array(PlannedDependentSchema, {
        description: "Enabled dependents whose range the new version leaves.",
      }),
      unmet: Type.Array(
        Type.Object({
          name: Type.String(),
          version: Type.String(),
          installed: NullableString,
          reason: Literals(["not-installed", "not-enabled", "version"] as const),
        }),
        { description: "Dependencies of the new version the installed plugins do not meet." },
      ),
    }),
    permissions: Type.Union([
      Type.Object({
        next: Type.Array(Type.String()),
        added: Type.Array(Type.String()),
        removed: Type.Array(Type.String()),
        escalated: Type.Boolean(),
      }),
      Type.Null(),
    ]),
    platform: Type.Union([
      Type.Object({
        minVersion: NullableString,
        platformVersion: Type.String(),
        compatible: Type.Boolean(),
      }),
      Type.Null(),
    ]),
    config: Type.Union([
      Type.Object({
        invalidKeys: Type.Array(Type.String(), {
          description: "Top-level config keys the (new) configSchema would refuse.",
        }),
        errors: Type.Array(FieldErrorSchema),
      }),
      Type.Null(),
    ]),
    rollout: Type.Union([
      Type.Object({
        strategy: Literals(ROLLOUT_STRATEGIES),
        steps: Type.Array(PlannedStepSchema),
      }),
      Type.Null(),
    ]),
    blocked: Type.Array(
      Type.Object({
        code: Literals(ERROR_CODES),
        message: Type.String(),
        errors: Type.Optional(Type.Array(FieldErrorSchema)),
      }),
      {
        description:
          "What would make the real request fail, in the order the job checks it (the job stops at the first). Empty: it would go ahead.",
      },
    ),
  },
  {
    $id: "ChangePlan",
    description: "What a mutation would do (`?dryRun=true`); nothing was queued or stored.",
  },
);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same: Same<Static<typeof ChangePlanSchema>, ChangePlan> = true;
void same;
