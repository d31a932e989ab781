import type { JobPayloads, Manifest, PluginPermissions } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import {
  adminOnlyPermissions,
  describePermissions,
  hostPathProblems,
  permissionsBeyond,
  permissionsOf,
} from "../permissions/index.js";
import type { PluginRecord } from "../ports/plugin-repo.js";
import type { JobServices } from "./services.js";

/** What an install or update records about the permissions it approved (job result, version row). */
export interface PermissionDecision {
  permissions: PluginPermissions;
  /** Who approved: the requester's token name. */
  approvedBy: string;
  /** The grants this change added (all of the version's grants on install). */
  granted: string[];
}

type ArtifactPayload = JobPayloads["install"] | JobPayloads["update"];

/**
 * install / update: the permissions a manifest asks for are allowed by this platform
 * (host paths inside runtime.allowed_host_paths), approved by the right role (network,
 * process and host paths need an admin), and on update not more than the installed
 * version has unless the request accepts them (PERMISSIONS_ESCALATED lists the new ones).
 */
export async function checkPermissions(
  svc: JobServices,
  manifest: Manifest,
  payload: ArtifactPayload,
  existing: PluginRecord | null,
): Promise<PermissionDecision> {
  const permissions = permissionsOf(manifest);
  assertHostPathsAllowed(svc, permissions, `${manifest.name}@${manifest.version}`);
  const current = existing ? await installedPermissions(svc, existing) : null;
  const added = current ? permissionsBeyond(permissions, current) : describePermissions(permissions);
  if (
    current &&
    added.length > 0 &&
    !("acceptPermissions" in payload && payload.acceptPermissions === true)
  ) {
    throw new AppError(
      "PERMISSIONS_ESCALATED",
      `version ${manifest.version} asks for permissions that version ${existing?.version} does not have: ${added.join(", ")}`,
      {
        errors: added.map((line) => ({ path: "/permissions", message: `new: ${line}` })),
        detail: "Review them, then send the update again with acceptPermissions=true to approve them.",
        extras: { newPermissions: added },
      },
    );
  }
  const needAdmin = adminOnlyPermissions(permissions).filter((line) => added.includes(line));
  if (needAdmin.length > 0 && payload.requestedRole !== "admin") {
    throw new AppError(
      "FORBIDDEN",
      `approving ${needAdmin.join(", ")} needs the admin role (network, process and host-path access)`,
      {
        detail: `Ask an admin to ${existing ? "update" : "install"} ${manifest.name}.`,
        extras: { permissions: needAdmin },
      },
    );
  }
  return { permissions, approvedBy: payload.requestedBy, granted: added };
}

/** rollback: the target's host paths must still be allowed by this platform's config. */
export function checkRollbackPermissions(svc: JobServices, manifest: Manifest): PluginPermissions {
  const permissions = permissionsOf(manifest);
  assertHostPathsAllowed(svc, permissions, `${manifest.name}@${manifest.version}`);
  return permissions;
}

/** The installed version's permissions as stored with it; its manifest for rows older than the column. */
async function installedPermissions(svc: JobServices, plugin: PluginRecord): Promise<PluginPermissions> {
  const row = await svc.plugins.getVersion(plugin.pluginId, plugin.version);
  return row?.permissions ?? permissionsOf(plugin.manifest);
}

function assertHostPathsAllowed(svc: JobServices, permissions: PluginPermissions, what: string): void {
  const problems = hostPathProblems(permissions.fs, svc.settings.allowedHostPaths ?? []);
  if (problems.length === 0) return;
  throw new AppError("MANIFEST_INVALID", `${what} asks for host paths this platform does not allow`, {
    errors: problems,
    detail:
      "Host paths must lie inside runtime.allowed_host_paths of the platform's config; ask an admin to add the folder there, or use paths inside the plugin's own folders.",
  });
}
