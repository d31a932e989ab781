import type { PluginPermissions } from "@arcade/contracts";
import { isHostPath, isWithin } from "./fs-paths.js";
import { hostEntryCovered } from "./host-port.js";

/**
 * One line per grant, the way errors, job results and the audit trail spell them:
 * `network.hosts hooks.slack.com:443`, `network.raw`, `process`, `fs.read /etc/ssl`,
 * `fs.write /var/spool/x`, `env HTTP_PROXY`. Paths inside the plugin's own folders
 * grant nothing beyond what every plugin has, so they are not listed.
 */
export function describePermissions(p: PluginPermissions): string[] {
  return [
    ...p.network.hosts.map((h) => `network.hosts ${h}`),
    ...(p.network.raw ? ["network.raw"] : []),
    ...(p.process ? ["process"] : []),
    ...p.fs.read.filter(isHostPath).map((path) => `fs.read ${path}`),
    ...p.fs.write.filter(isHostPath).map((path) => `fs.write ${path}`),
    ...p.env.map((name) => `env ${name}`),
  ];
}

/**
 * The grants of `next` that `current` does not already cover: what an update would add.
 * Covered means: a host matched by a current entry (wildcards included), a path inside a
 * current path (a write grant also covers reads), the same variable, flag already on.
 */
export function permissionsBeyond(next: PluginPermissions, current: PluginPermissions): string[] {
  const out: string[] = [];
  for (const host of next.network.hosts) {
    if (!current.network.raw && !hostEntryCovered(current.network.hosts, host)) {
      out.push(`network.hosts ${host}`);
    }
  }
  if (next.network.raw && !current.network.raw) out.push("network.raw");
  if (next.process && !current.process) out.push("process");
  const readable = [...current.fs.read, ...current.fs.write].filter(isHostPath);
  const writable = current.fs.write.filter(isHostPath);
  for (const path of next.fs.read.filter(isHostPath)) {
    if (!readable.some((root) => isWithin(root, path))) out.push(`fs.read ${path}`);
  }
  for (const path of next.fs.write.filter(isHostPath)) {
    if (!writable.some((root) => isWithin(root, path))) out.push(`fs.write ${path}`);
  }
  for (const name of next.env) if (!current.env.includes(name)) out.push(`env ${name}`);
  return out;
}

/**
 * Grants only an admin may approve (network of any kind, child processes, host paths):
 * installing or updating to a version that has any needs the admin role.
 */
export function adminOnlyPermissions(p: PluginPermissions): string[] {
  return describePermissions(p).filter((line) => !line.startsWith("env "));
}
