import { type Static, Type } from "@sinclair/typebox";
import { PermissionsSchema } from "./permissions.js";
import { RolloutDefaultSchema } from "./rollout.js";

export const PLUGIN_TYPES = ["notify", "ci", "cd", "security", "storage", "approval", "custom"] as const;
export type PluginType = (typeof PLUGIN_TYPES)[number];

/** Actions each pluginType must export (the original Go interfaces). */
export const REQUIRED_ACTIONS: Record<PluginType, readonly string[]> = {
  notify: ["send", "sendTemplate"],
  ci: ["build", "test", "lint"],
  cd: ["deploy", "rollback"],
  security: ["scan", "audit"],
  storage: ["save", "load", "delete"],
  approval: ["approve"],
  custom: ["execute"],
};

/** Kubernetes-style quantities: cpu `100m`, `0.5`, `2`; memory/disk `128Mi`, `1Gi`, `500M`, `1024`. */
export const CPU_QUANTITY = "^(?:\\d+m|\\d+(?:\\.\\d+)?)$";
export const BYTE_QUANTITY = "^\\d+(?:\\.\\d+)?(?:Ki|Mi|Gi|Ti|K|M|G|T|k)?$";

const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const DependencySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    version: Type.String({ format: "semver-range", minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const ResourcesSchema = Type.Object(
  {
    cpu: Type.Optional(Type.String({ pattern: CPU_QUANTITY, maxLength: 32 })),
    memory: Type.Optional(Type.String({ pattern: BYTE_QUANTITY, maxLength: 32 })),
    disk: Type.Optional(Type.String({ pattern: BYTE_QUANTITY, maxLength: 32 })),
  },
  { additionalProperties: false },
);

/**
 * manifest.json of a plugin (architecture §6). `format`s `semver`, `semver-range`
 * and `plugin-name` are registered by the validator in core.
 */
export const ManifestSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, format: "plugin-name" }),
    version: Type.String({ format: "semver", maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    author: Type.Optional(Type.String({ maxLength: 200 })),
    homepage: Type.Optional(Type.String({ maxLength: 500 })),
    repository: Type.Optional(Type.String({ maxLength: 500 })),
    documentation: Type.Optional(Type.String({ maxLength: 500 })),
    pluginType: Type.Union(PLUGIN_TYPES.map((t) => Type.Literal(t))),
    entryPoint: Type.String({ minLength: 1, maxLength: 255 }),
    dependencies: Type.Optional(Type.Array(DependencySchema, { maxItems: 50 })),
    configSchema: Type.Optional(JsonObject),
    paramsSchema: Type.Optional(JsonObject),
    defaultConfig: Type.Optional(JsonObject),
    icon: Type.Optional(Type.String({ maxLength: 2000 })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20 })),
    minVersion: Type.Optional(Type.String({ format: "semver", maxLength: 64 })),
    resources: Type.Optional(ResourcesSchema),
    /** What the plugin may touch beyond its own folders (permissions.ts); absent: nothing. */
    permissions: Type.Optional(PermissionsSchema),
    /**
     * How an update to this version reaches the nodes when the request says nothing
     * (docs/rollouts.md): e.g. `{ "strategy": "two-phase" }` for a plugin that must never
     * serve a mix of versions. The request's `rollout`, when present, wins.
     */
    rollout: Type.Optional(RolloutDefaultSchema),
  },
  { additionalProperties: false },
);

export type Manifest = Static<typeof ManifestSchema>;
export type Dependency = Static<typeof DependencySchema>;
