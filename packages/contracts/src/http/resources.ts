import { Type } from "@sinclair/typebox";
import { ERROR_CODES } from "../error-codes.js";
import { JOB_STATES, JOB_TYPES, type JobError, type JobResult, STEP_NAMES } from "../job.js";
import { ManifestSchema, PLUGIN_TYPES } from "../manifest.js";
import { LATENCY_BUCKETS_MS } from "../rollout.js";
import { FieldErrorSchema, Literals, PagedSchema } from "./common.js";

/**
 * The resources as the API answers them (architecture §4), as schemas: the OpenAPI document
 * shows them and the typed client returns their static types. resources-types.ts checks at
 * compile time that each agrees with the TypeScript interface the server builds it from.
 */

const Timestamp = Type.String({ format: "date-time" });
const JsonObject = Type.Record(Type.String(), Type.Unknown());
const literals = Literals;

/** PluginVersionCounters (rollout.ts): what one node counted for one version since it started. */
const PluginVersionCountersSchema = Type.Object(
  {
    version: Type.String(),
    loadFailures: Type.Integer({ minimum: 0 }),
    crashes: Type.Integer({ minimum: 0, description: "Crashes or restarts of the version's process." }),
    calls: Type.Integer({ minimum: 0, description: "Action calls that ended, ok or not." }),
    errors: Type.Integer({
      minimum: 0,
      description: "Calls that ended in an error (ACTION_FAILED, ACTION_TIMEOUT, a crash mid-call).",
    }),
    latency: Type.Array(Type.Integer({ minimum: 0 }), {
      minItems: LATENCY_BUCKETS_MS.length + 1,
      maxItems: LATENCY_BUCKETS_MS.length + 1,
      description: `Calls per latency bucket, upper bounds ${LATENCY_BUCKETS_MS.join(", ")} ms; the last entry counts the slower calls.`,
    }),
  },
  { $id: "PluginVersionCounters" },
);

/** QuarantineReport (rollout.ts): a version this node stopped running because it kept crashing. */
const QuarantineReportSchema = Type.Object(
  {
    version: Type.String(),
    checksum: Type.String(),
    fallbackVersion: Type.Union([Type.String(), Type.Null()], {
      description:
        "The version the node went back to (the last that ran cleanly there); null: the plugin is stopped there.",
    }),
    crashes: Type.Array(Timestamp, { description: "The crashes that made the loop." }),
    at: Timestamp,
  },
  { $id: "QuarantineReport" },
);

export const NodePluginStateSchema = Type.Object(
  {
    nodeId: Type.String(),
    pluginId: Type.String(),
    version: Type.String(),
    checksum: Type.String(),
    state: literals(["loaded", "error", "loading", "unloaded"] as const),
    error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    serving: Type.Optional(
      Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 100 }), {
        description:
          'While a rollout loads a second version beside the one served: the share of calls (percent) each version serves here, `{ "1.0.0": 90, "2.0.0": 10 }` (A/B), `{ "1.0.0": 100, "2.0.0": 0 }` (two-phase prepared). Absent: the node serves `version` only.',
      }),
    ),
    holding: Type.Optional(
      Type.Boolean({
        description:
          "True while the node holds new calls of the plugin (two-phase switch) and none of its calls runs any more.",
      }),
    ),
    counters: Type.Optional(
      Type.Array(PluginVersionCountersSchema, {
        description:
          "Per version this node has loaded since it started: cumulative counters (rollout analysis).",
      }),
    ),
    quarantined: Type.Optional(Type.Union([QuarantineReportSchema, Type.Null()])),
  },
  { $id: "NodePluginState" },
);

export const PluginPermissionsSchema = Type.Object(
  {
    fs: Type.Object({ read: Type.Array(Type.String()), write: Type.Array(Type.String()) }),
    network: Type.Object({ hosts: Type.Array(Type.String()), raw: Type.Boolean() }),
    process: Type.Boolean(),
    env: Type.Array(Type.String()),
  },
  { $id: "PluginPermissions", description: "What the plugin may touch, every part spelled out." },
);

const PluginLegacySchema = Type.Object({
  pluginId: Type.String(),
  name: Type.String(),
  pluginType: Type.String(),
  installPath: Type.Union([Type.String(), Type.Null()]),
  checksum: Type.Union([Type.String(), Type.Null()]),
  isEnabled: Type.Union([Type.Literal(0), Type.Literal(1)]),
  importedAt: Type.String(),
});

const ManifestRef = Type.Unsafe<import("../manifest.js").Manifest>({ ...ManifestSchema, $id: "Manifest" });

export const PluginSchema = Type.Object(
  {
    pluginId: Type.String(),
    name: Type.String(),
    version: Type.String(),
    description: Type.String(),
    author: Type.String(),
    pluginType: literals(PLUGIN_TYPES),
    entryPoint: Type.String(),
    configSchema: Type.Union([JsonObject, Type.Null()]),
    paramsSchema: Type.Union([JsonObject, Type.Null()]),
    defaultConfig: Type.Union([JsonObject, Type.Null()]),
    icon: Type.String(),
    repository: Type.String(),
    documentation: Type.String(),
    isEnabled: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
      description: "0 disabled, 1 enabled, 2 error",
    }),
    isBuiltin: Type.Literal(0),
    checksum: Type.String({ description: "Lowercase hex SHA-256 of the package." }),
    source: literals(["local", "market"] as const),
    s3Path: Type.String(),
    manifest: ManifestRef,
    permissions: PluginPermissionsSchema,
    installTime: Timestamp,
    updateTime: Timestamp,
    error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    legacy: Type.Optional(Type.Union([PluginLegacySchema, Type.Null()])),
    latestVersion: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    updateAvailable: Type.Optional(Type.Boolean()),
    nodes: Type.Optional(Type.Array(NodePluginStateSchema, { description: "Detail view only." })),
  },
  { $id: "Plugin" },
);

export const PluginVersionSchema = Type.Object(
  {
    pluginId: Type.String(),
    version: Type.String(),
    checksum: Type.String(),
    size: Type.Integer({ minimum: 0 }),
    objectKey: Type.String(),
    manifest: ManifestRef,
    permissions: PluginPermissionsSchema,
    permissionsApprovedBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    current: Type.Boolean(),
    legacy: Type.Optional(
      Type.Union([
        Type.Object({
          pluginType: Type.String(),
          installPath: Type.Union([Type.String(), Type.Null()]),
          checksum: Type.Union([Type.String(), Type.Null()]),
          isEnabled: Type.Union([Type.Literal(0), Type.Literal(1)]),
        }),
        Type.Null(),
      ]),
    ),
  },
  { $id: "PluginVersion" },
);

const StepNameSchema = literals(STEP_NAMES);

export const JobStepSchema = Type.Object({
  name: StepNameSchema,
  state: literals(["pending", "running", "succeeded", "failed", "skipped"] as const),
  startedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
});

/** A job's `nodes` (ConvergenceNodes): in the result of a job, and in the error of one no node could apply. */
export const ConvergenceNodesSchema = Type.Object(
  {
    expected: Type.Integer({ minimum: 0, description: "Nodes live when the change was published." }),
    applied: Type.Array(Type.String(), { description: "Nodes that run what the change asked for." }),
    failed: Type.Array(
      Type.Object({ nodeId: Type.String(), error: Type.String() }, { additionalProperties: false }),
      { description: "Nodes that tried and could not, with their errors." },
    ),
    pending: Type.Array(Type.String(), {
      description: "Nodes that did not answer within node.convergence_timeout.",
    }),
    degraded: Type.Optional(
      Type.Literal(true, { description: "Some but not all nodes applied the change." }),
    ),
  },
  { $id: "ConvergenceNodes", additionalProperties: false },
);

/** Typed by job.ts's interfaces: the job owners extend them (e.g. result.nodes) without touching the HTTP layer. */
const JobErrorSchema = Type.Unsafe<JobError>(
  Type.Object(
    {
      code: literals(ERROR_CODES),
      message: Type.String(),
      detail: Type.Optional(Type.String()),
      errors: Type.Optional(Type.Array(FieldErrorSchema)),
      nodes: Type.Optional(ConvergenceNodesSchema),
    },
    { additionalProperties: true },
  ),
);

const JobResultSchema = Type.Unsafe<JobResult>(
  Type.Object(
    {
      version: Type.Optional(Type.String()),
      checksum: Type.Optional(Type.String()),
      changed: Type.Optional(Type.Boolean()),
      signedBy: Type.Optional(Type.String()),
      cascaded: Type.Optional(Type.Array(Type.String())),
      nodes: Type.Optional(ConvergenceNodesSchema),
    },
    { additionalProperties: true },
  ),
);

export const JobSchema = Type.Object(
  {
    jobId: Type.String(),
    type: literals(JOB_TYPES),
    pluginId: Type.Union([Type.String(), Type.Null()]),
    state: literals(JOB_STATES),
    step: Type.Union([StepNameSchema, Type.Null()]),
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    steps: Type.Array(JobStepSchema),
    attempts: Type.Integer({ minimum: 0 }),
    error: Type.Union([JobErrorSchema, Type.Null()]),
    result: Type.Union([JobResultSchema, Type.Null()]),
    createdAt: Timestamp,
    finishedAt: Type.Union([Timestamp, Type.Null()]),
    requestedBy: Type.String(),
  },
  { $id: "Job" },
);

export const ClusterNodeSchema = Type.Object(
  {
    nodeId: Type.String(),
    host: Type.Optional(Type.String()),
    pid: Type.Optional(Type.Integer()),
    version: Type.Optional(Type.String()),
    url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    appliedRevision: Type.Integer(),
    plugins: Type.Array(NodePluginStateSchema),
    lastSeen: Type.Optional(Type.String()),
  },
  { $id: "ClusterNode", additionalProperties: true },
);

export const PluginPageSchema = PagedSchema(PluginSchema, "PluginPage");
export const PluginVersionPageSchema = PagedSchema(PluginVersionSchema, "PluginVersionPage");
export const JobPageSchema = PagedSchema(JobSchema, "JobPage");
