import { type Static, Type } from "@sinclair/typebox";

/** Environment variable names (POSIX shell style). */
export const ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]{0,127}$";

const PathList = Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 32 });

export const FsPermissionsSchema = Type.Object(
  {
    /** Extra paths to read: relative to the plugin's unpacked folder, or absolute host paths. */
    read: Type.Optional(PathList),
    /** Extra paths to write (and read): relative to the plugin's data folder, or absolute host paths. */
    write: Type.Optional(PathList),
  },
  { additionalProperties: false },
);

export const NetworkPermissionsSchema = Type.Object(
  {
    /**
     * What ctx.fetch (and the plugin's global fetch) may reach: `host:port`, where host is a
     * DNS name (`*.` in front for any subdomain), an IPv4 address or a bracketed IPv6 address.
     * The syntax is checked by core's permission rules (clearer messages than a pattern).
     */
    hosts: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: 262 }), { maxItems: 64 })),
    /** Raw sockets to anywhere (Node's --allow-net is all or nothing). Needs an admin. */
    raw: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * manifest `permissions`: what a plugin may touch beyond its own code folder and its
 * own data folder. Absent, or any part absent: none of it.
 */
export const PermissionsSchema = Type.Object(
  {
    fs: Type.Optional(FsPermissionsSchema),
    network: Type.Optional(Type.Union([Type.Literal(false), NetworkPermissionsSchema])),
    /** Child processes (Node's --allow-child-process). Needs an admin. */
    process: Type.Optional(Type.Boolean()),
    /** Variables of the node's environment the plugin receives (when they are set). */
    env: Type.Optional(Type.Array(Type.String({ pattern: ENV_NAME }), { maxItems: 64 })),
  },
  { additionalProperties: false },
);

export type ManifestPermissions = Static<typeof PermissionsSchema>;

/**
 * The permissions a plugin version runs with, every part spelled out: what the
 * platform stores per version, shows on the plugin resource and enforces.
 */
export interface PluginPermissions {
  fs: { read: string[]; write: string[] };
  network: { hosts: string[]; raw: boolean };
  process: boolean;
  env: string[];
}

/** Who approved a version's permissions, recorded per version and in the job result. */
export interface PermissionsApproval {
  /** The token name of the request that installed or updated to this version. */
  approvedBy: string;
  /** Permissions this approval added over the version it replaced (all of them on install). */
  granted: string[];
}
