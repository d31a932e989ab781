import { Type } from "@sinclair/typebox";
import { PLUGIN_TYPES } from "../manifest.js";
import { Literals, PluginIdParams, QueryBool, QueryInt, QueryOneOf, QueryText, WaitQuery } from "./common.js";
import { ChangePlanSchema } from "./plan.js";
import { JobSchema, PluginPageSchema, PluginSchema, PluginVersionPageSchema } from "./resources.js";
import { defineRoute } from "./route.js";

/** Any JSON object (a config). Unsafe only for its static type: TRecord's is too deep for the client's call types. */
const JsonObject = Type.Unsafe<Record<string, unknown>>(Type.Record(Type.String(), Type.Unknown()));
const Zip = Type.String({ contentMediaType: "application/zip" });
const JOB_ANSWER = {
  status: [202, 200],
  description:
    "202: the job, queued (Location: /api/v1/jobs/{jobId}). 200: with `?wait`, the job finished within the wait.",
  json: JobSchema,
  headers: { Location: { description: "/api/v1/jobs/{jobId}" } },
  dryRun: {
    description: "With `?dryRun=true`: the plan (what the job would do), and nothing is queued or stored.",
    json: ChangePlanSchema,
  },
} as const;

/**
 * `?dryRun=true` on a mutation: the same checks of the request, then 200 with what the job would
 * do (a ChangePlan) instead of a job; nothing is queued or stored.
 */
const DryRunQuery = Type.Object({
  dryRun: QueryBool(
    "true: answer 200 with the plan (cascade, permissions, compatibility, config, nodes per step) and change nothing.",
  ),
});
const MutationQuery = Type.Composite([WaitQuery, DryRunQuery]);
const IDEMPOTENCY =
  "An `Idempotency-Key` header (per token, 24 h) answers the same job for the same key. `?wait=N` waits up to N seconds for the job.";

/** The multipart fields of an install or update; the server reads them as they stream in. */
const ArtifactUpload = Type.Object(
  {
    source: Type.Optional(
      Literals(["local", "market"] as const, { description: "Default: local with a file." }),
    ),
    file: Type.Optional(
      Type.String({
        contentMediaType: "application/octet-stream",
        description: "A zip with manifest.json, or one .js/.mjs module (then `manifest` is required).",
      }),
    ),
    manifest: Type.Optional(Type.String({ description: "manifest.json text, with a single-module file." })),
    signature: Type.Optional(Type.String({ description: "Detached publisher signature (with keyId)." })),
    keyId: Type.Optional(Type.String()),
    marketId: Type.Optional(Type.String({ maxLength: 200, description: "With source=market." })),
    version: Type.Optional(
      Type.String({ maxLength: 64, description: "With source=market; default latest." }),
    ),
    rollout: Type.Optional(
      Type.String({
        contentMediaType: "application/json",
        description:
          'How the new version reaches the live nodes, as JSON (RolloutRequest, docs/rollouts.md), e.g. `{"strategy":"canary","steps":[{"nodes":1,"hold":"60s"},{"percent":100}]}`. Absent: the manifest\'s `rollout`, else rollout.default_strategy.',
      }),
    ),
  },
  { additionalProperties: false },
);

const UpdateUpload = Type.Composite([
  ArtifactUpload,
  Type.Object({
    allowDowngrade: Type.Optional(Literals(["true", "false"] as const)),
    acceptPermissions: Type.Optional(Literals(["true", "false"] as const)),
  }),
]);

const CASCADE =
  "true: first the plugins that depend on this one (a cascade); otherwise a dependent makes it 409 DEPENDENTS_EXIST.";

/** `{ cascade }` as a body: only `true` counts (as `?cascade=true`); any other value is ignored. */
const CascadeBody = Type.Object(
  { cascade: Type.Optional(Type.Unknown({ description: CASCADE })) },
  { additionalProperties: true },
);

export const listPlugins = defineRoute({
  method: "GET",
  path: "/api/v1/plugins",
  operationId: "listPlugins",
  tag: "plugins",
  summary: "List plugins",
  access: "viewer",
  query: Type.Object({
    // In this order, the order of the field errors of a bad query.
    status: QueryOneOf([0, 1, 2] as const, "0 disabled, 1 enabled, 2 error."),
    isEnabled: QueryOneOf([0, 1, 2] as const, "Alias of status (when status is absent)."),
    pluginType: QueryOneOf(PLUGIN_TYPES, "Only plugins of this type."),
    source: QueryOneOf(["local", "market"] as const, "Where the plugins came from."),
    q: QueryText(200, "Part of the name, description or author (case-insensitive)."),
    page: QueryInt(1, 1_000_000, 1),
    pageSize: QueryInt(1, 200, 20),
    name: QueryText(200, "Exactly this name."),
  }),
  ok: { status: [200], description: "A page of plugins.", json: PluginPageSchema },
  errors: [400],
});

export const getPlugin = defineRoute({
  method: "GET",
  path: "/api/v1/plugins/{pluginId}",
  operationId: "getPlugin",
  tag: "plugins",
  summary: "A plugin, with its load state on each node",
  access: "viewer",
  params: PluginIdParams,
  ok: { status: [200], description: "The plugin.", json: PluginSchema },
  errors: [404],
});

export const installPlugin = defineRoute({
  method: "POST",
  path: "/api/v1/plugins/install",
  operationId: "installPlugin",
  tag: "plugins",
  summary: "Install a plugin (a job)",
  description: `source=local with a file, or source=market with marketId (+ version). ${IDEMPOTENCY}`,
  access: "admin",
  query: MutationQuery,
  body: { content: { "multipart/form-data": ArtifactUpload } },
  ok: JOB_ANSWER,
  errors: [400, 408, 409, 413, 415, 422],
});

export const updatePlugin = defineRoute({
  method: "PUT",
  path: "/api/v1/plugins/{pluginId}",
  operationId: "updatePlugin",
  tag: "plugins",
  summary: "Update a plugin to a new version (a job)",
  description: `The same body as install, plus allowDowngrade and acceptPermissions. ${IDEMPOTENCY}`,
  access: "admin",
  params: PluginIdParams,
  query: Type.Composite([
    WaitQuery,
    DryRunQuery,
    Type.Object({
      acceptPermissions: QueryBool(
        "Approve permissions beyond the installed version's (else 409 PERMISSIONS_ESCALATED).",
      ),
    }),
  ]),
  body: { content: { "multipart/form-data": UpdateUpload } },
  ok: JOB_ANSWER,
  errors: [400, 404, 408, 409, 413, 415, 422],
});

export const uninstallPlugin = defineRoute({
  method: "DELETE",
  path: "/api/v1/plugins/{pluginId}",
  operationId: "uninstallPlugin",
  tag: "plugins",
  summary: "Uninstall a plugin and every resource it has (a job)",
  description: IDEMPOTENCY,
  access: "admin",
  params: PluginIdParams,
  query: Type.Composite([WaitQuery, DryRunQuery, Type.Object({ cascade: QueryBool(CASCADE) })]),
  body: { json: CascadeBody },
  ok: JOB_ANSWER,
  errors: [400, 404, 409, 413, 415],
});

export const enablePlugin = defineRoute({
  method: "POST",
  path: "/api/v1/plugins/{pluginId}/enable",
  operationId: "enablePlugin",
  tag: "plugins",
  summary: "Enable a plugin (a job)",
  description: IDEMPOTENCY,
  access: "operator",
  params: PluginIdParams,
  query: MutationQuery,
  body: { json: Type.Object({}, { additionalProperties: true, description: "None needed." }) },
  ok: JOB_ANSWER,
  errors: [400, 404, 409, 413, 415],
});

export const disablePlugin = defineRoute({
  method: "POST",
  path: "/api/v1/plugins/{pluginId}/disable",
  operationId: "disablePlugin",
  tag: "plugins",
  summary: "Disable a plugin (a job)",
  description: IDEMPOTENCY,
  access: "operator",
  params: PluginIdParams,
  query: Type.Composite([WaitQuery, DryRunQuery, Type.Object({ cascade: QueryBool(CASCADE) })]),
  body: { json: CascadeBody },
  ok: JOB_ANSWER,
  errors: [400, 404, 409, 413, 415],
});

export const getPluginConfig = defineRoute({
  method: "GET",
  path: "/api/v1/plugins/{pluginId}/config",
  operationId: "getPluginConfig",
  tag: "plugins",
  summary: "A plugin's config (its default config until one is set)",
  access: "viewer",
  params: PluginIdParams,
  ok: { status: [200], description: "The config.", json: JsonObject },
  errors: [404],
});

export const setPluginConfig = defineRoute({
  method: "PUT",
  path: "/api/v1/plugins/{pluginId}/config",
  operationId: "setPluginConfig",
  tag: "plugins",
  summary: "Replace a plugin's config (a job)",
  description: `Checked against the plugin's configSchema first (422 CONFIG_INVALID with every error). ${IDEMPOTENCY}`,
  access: "operator",
  params: PluginIdParams,
  query: MutationQuery,
  body: { json: JsonObject },
  ok: JOB_ANSWER,
  errors: [400, 404, 409, 413, 415, 422],
});

export const listPluginVersions = defineRoute({
  method: "GET",
  path: "/api/v1/plugins/{pluginId}/versions",
  operationId: "listPluginVersions",
  tag: "plugins",
  summary: "The retained versions of a plugin (rollback targets)",
  access: "viewer",
  params: PluginIdParams,
  ok: { status: [200], description: "Every retained version.", json: PluginVersionPageSchema },
  errors: [404],
});

export const rollbackPlugin = defineRoute({
  method: "POST",
  path: "/api/v1/plugins/{pluginId}/rollback",
  operationId: "rollbackPlugin",
  tag: "plugins",
  summary: "Roll a plugin back to a retained version (a job)",
  description: IDEMPOTENCY,
  access: "admin",
  params: PluginIdParams,
  query: MutationQuery,
  body: {
    json: Type.Object(
      {
        version: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 64,
            description: "Default: the version before the current one.",
            "x-error": { title: "version must be a version string", message: "must be a string like 1.0.0" },
          }),
        ),
      },
      { additionalProperties: true },
    ),
  },
  ok: JOB_ANSWER,
  errors: [400, 404, 409, 413, 415],
});

export const MAX_ACTION_TIMEOUT_MS = 300_000;

export const invokeAction = defineRoute({
  method: "POST",
  path: "/api/v1/plugins/{pluginId}/actions/{action}",
  operationId: "invokeAction",
  tag: "plugins",
  summary: "Invoke a plugin action on the node that answers",
  description: "params are checked against the plugin's paramsSchema (422 PARAMS_INVALID).",
  access: "operator",
  params: Type.Composite([PluginIdParams, Type.Object({ action: Type.String({ maxLength: 200 }) })]),
  body: {
    json: Type.Object(
      {
        params: Type.Optional(Type.Unknown({ description: "The action's parameters. Default {}." })),
        timeoutMs: Type.Optional(
          Type.Union([Type.Integer({ minimum: 1, maximum: MAX_ACTION_TIMEOUT_MS }), Type.Null()], {
            description: "Default: plugin.action_timeout.",
            "x-error": {
              title: "timeoutMs is out of range",
              message: `must be an integer from 1 to ${MAX_ACTION_TIMEOUT_MS}`,
            },
          }),
        ),
      },
      { additionalProperties: true },
    ),
  },
  ok: {
    status: [200],
    description: "What the action returned.",
    json: Type.Object(
      {
        result: Type.Unknown(),
        pluginId: Type.String(),
        version: Type.String(),
        node: Type.String(),
        durationMs: Type.Number(),
      },
      { $id: "ActionResult" },
    ),
  },
  errors: [400, 404, 409, 413, 415, 422, 502, 504],
});

export const loadedPlugins = defineRoute({
  method: "GET",
  path: "/api/v1/plugins/metrics",
  operationId: "loadedPlugins",
  tag: "plugins",
  summary: "The plugins this node has loaded",
  access: "viewer",
  ok: {
    status: [200],
    description: "A bare array (as in the original document).",
    json: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          type: Type.String(),
          version: Type.String(),
          path: Type.String(),
          description: Type.String(),
        },
        { additionalProperties: true },
      ),
    ),
  },
  errors: [409],
});

export const validateManifest = defineRoute({
  method: "POST",
  path: "/api/v1/plugins/validate-manifest",
  operationId: "validateManifest",
  tag: "plugins",
  summary: "Check a manifest or a package; changes nothing",
  description: "A viewer may call it: it is a POST only because it takes a body.",
  access: "viewer",
  body: {
    content: {
      "application/json": Type.Unknown({ description: "A manifest.json document." }),
      "application/zip": Zip,
      "multipart/form-data": Type.Object({ file: Zip }),
    },
  },
  ok: {
    status: [200],
    description: "The verdict; `manifest` is null when invalid.",
    json: Type.Object(
      {
        valid: Type.Boolean(),
        errors: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
        manifest: Type.Union([Type.Unknown(), Type.Null()]),
        permissions: Type.Optional(Type.Unknown({ description: "What the plugin would run with." })),
        needsAdmin: Type.Optional(Type.Array(Type.String())),
      },
      { $id: "ManifestVerdict" },
    ),
  },
  errors: [400, 408, 413, 415],
});

/** Static paths first: `/plugins/install` is not a plugin id. */
export const PLUGIN_ROUTES = [
  listPlugins,
  installPlugin,
  loadedPlugins,
  validateManifest,
  getPlugin,
  updatePlugin,
  uninstallPlugin,
  enablePlugin,
  disablePlugin,
  getPluginConfig,
  setPluginConfig,
  listPluginVersions,
  rollbackPlugin,
  invokeAction,
] as const;
