import { readFileSync } from "node:fs";

/** The OS identity plugin processes take on (spawn's uid/gid), or null to keep the platform's. */
export interface PluginUser {
  uid: number;
  gid: number;
  /** As configured, for messages. */
  name: string;
}

/**
 * Resolves runtime.plugin_uid / plugin_gid (names or numbers) when this process runs as
 * root; null otherwise (an unprivileged platform cannot switch users, and its plugins
 * already run with no more than its own rights). Names are looked up in /etc/passwd and
 * /etc/group, as getpwnam would without NSS modules; a name that is not there is an error
 * that says which key to fix.
 */
export function resolvePluginUser(
  user: string,
  group: string,
  options: { passwd?: string; group?: string; isRoot?: boolean } = {},
): PluginUser | null {
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  if (!isRoot) return null;
  const uid = lookup(user, options.passwd ?? "/etc/passwd", 2, "runtime.plugin_uid");
  const gid = lookup(group, options.group ?? "/etc/group", 2, "runtime.plugin_gid");
  if (uid === 0 || gid === 0) {
    throw new Error(
      `runtime.plugin_uid/plugin_gid resolve to root (${user}:${group}); plugins must run as an unprivileged user`,
    );
  }
  return { uid, gid, name: `${user}:${group}` };
}

function lookup(nameOrId: string, file: string, idField: number, key: string): number {
  if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${key} = "${nameOrId}" cannot be looked up: ${(error as Error).message}; use a number`);
  }
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === nameOrId && fields[idField] !== undefined && /^\d+$/.test(fields[idField])) {
      return Number(fields[idField]);
    }
  }
  throw new Error(`${key} = "${nameOrId}" is not in ${file}; create that user or group, or give a number`);
}
