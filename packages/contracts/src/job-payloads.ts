import { type Static, Type } from "@sinclair/typebox";
import { RolloutRequestSchema } from "./rollout.js";

/** An upload staged in the object store by the API (`staging/{jobId}`). */
export const StagedArtifactSchema = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    size: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    /** `zip`: a plugin archive; `module`: one .js/.mjs file plus `manifest` (the worker builds the zip). */
    kind: Type.Union([Type.Literal("zip"), Type.Literal("module")]),
    fileName: Type.String({ minLength: 1, maxLength: 255 }),
    manifest: Type.Optional(Type.Unknown()),
    /** Detached publisher signature sent with a local upload. */
    signature: Type.Optional(
      Type.Object({
        keyId: Type.String(),
        signature: Type.String(),
        algorithm: Type.Optional(Type.String()),
      }),
    ),
  },
  { additionalProperties: false },
);
export type StagedArtifact = Static<typeof StagedArtifactSchema>;

export const ArtifactSourceSchema = Type.Union([
  Type.Object(
    { source: Type.Literal("local"), staged: StagedArtifactSchema },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      source: Type.Literal("market"),
      marketId: Type.String({ minLength: 1, maxLength: 200 }),
      version: Type.Optional(Type.String({ maxLength: 64 })),
    },
    { additionalProperties: false },
  ),
]);
export type ArtifactSource = Static<typeof ArtifactSourceSchema>;

const Common = { requestedBy: Type.String(), requestId: Type.Optional(Type.String()) };
/**
 * The role of the requester, as the API authenticated it. Install and update check it
 * against the permissions the plugin asks for (network, process, host paths need an admin);
 * absent (a job the platform made itself, such as an automatic update): no role.
 */
const RequestedRole = Type.Optional(
  Type.Union([Type.Literal("viewer"), Type.Literal("operator"), Type.Literal("admin")]),
);
const PluginIdField = Type.String({ minLength: 1, maxLength: 80 });

/**
 * Payload of each job type: what the job's row records and its worker runs. Checked once, by
 * submitJob as the job enters; each job's definition (core jobs/<type>-job.ts) names its schema.
 */
export const JobPayloadSchemas = {
  install: Type.Object(
    {
      ...Common,
      requestedRole: RequestedRole,
      artifact: ArtifactSourceSchema,
      /** How the new plugin reaches the live nodes (docs/rollouts.md); absent: all at once. */
      rollout: Type.Optional(RolloutRequestSchema),
    },
    { additionalProperties: false },
  ),
  update: Type.Object(
    {
      ...Common,
      pluginId: PluginIdField,
      requestedRole: RequestedRole,
      artifact: ArtifactSourceSchema,
      allowDowngrade: Type.Optional(Type.Boolean()),
      /** Accepts permissions beyond the installed version's (else PERMISSIONS_ESCALATED). */
      acceptPermissions: Type.Optional(Type.Boolean()),
      /** How the new version reaches the live nodes (docs/rollouts.md); absent: all at once. */
      rollout: Type.Optional(RolloutRequestSchema),
    },
    { additionalProperties: false },
  ),
  uninstall: Type.Object(
    { ...Common, pluginId: PluginIdField, cascade: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  enable: Type.Object({ ...Common, pluginId: PluginIdField }, { additionalProperties: false }),
  disable: Type.Object(
    { ...Common, pluginId: PluginIdField, cascade: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  configure: Type.Object(
    { ...Common, pluginId: PluginIdField, config: Type.Record(Type.String(), Type.Unknown()) },
    { additionalProperties: false },
  ),
  rollback: Type.Object(
    { ...Common, pluginId: PluginIdField, version: Type.Optional(Type.String({ maxLength: 64 })) },
    { additionalProperties: false },
  ),
} as const;

export type JobPayloads = { [K in keyof typeof JobPayloadSchemas]: Static<(typeof JobPayloadSchemas)[K]> };
