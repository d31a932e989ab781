import type { Manifest, ManifestPermissions, PluginPermissions } from "@arcade/contracts";
import { stripTrailingSlash } from "./fs-paths.js";
import { formatHostPort, parseHostPort } from "./host-port.js";

/** The permissions of a plugin that declares none: its own folders, nothing else. */
export const NO_PERMISSIONS: PluginPermissions = Object.freeze({
  fs: Object.freeze({ read: [], write: [] }),
  network: Object.freeze({ hosts: [], raw: false }),
  process: false,
  env: [],
}) as PluginPermissions;

/**
 * Every part spelled out, sorted and without duplicates, so that two manifests that
 * mean the same have equal permissions (stored per version, compared on update).
 * Assumes a manifest that passed validation.
 */
export function normalizePermissions(
  declared: ManifestPermissions | Manifest["permissions"] | null | undefined,
): PluginPermissions {
  if (!declared) return clone(NO_PERMISSIONS);
  const network = declared.network === false || declared.network === undefined ? null : declared.network;
  return {
    fs: {
      read: unique((declared.fs?.read ?? []).map(stripTrailingSlash)),
      write: unique((declared.fs?.write ?? []).map(stripTrailingSlash)),
    },
    network: {
      hosts: unique(
        (network?.hosts ?? []).map((entry) => {
          const parsed = parseHostPort(entry);
          if (typeof parsed === "string") return entry;
          return formatHostPort(parsed.host, parsed.port);
        }),
      ),
      raw: network?.raw === true,
    },
    process: declared.process === true,
    env: unique(declared.env ?? []),
  };
}

/** The permissions of a manifest (normalised). */
export function permissionsOf(manifest: Pick<Manifest, "permissions">): PluginPermissions {
  return normalizePermissions(manifest.permissions);
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function clone(p: PluginPermissions): PluginPermissions {
  return {
    fs: { read: [...p.fs.read], write: [...p.fs.write] },
    network: { hosts: [...p.network.hosts], raw: p.network.raw },
    process: p.process,
    env: [...p.env],
  };
}
