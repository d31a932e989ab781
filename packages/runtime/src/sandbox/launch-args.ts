import { basename, dirname, join } from "node:path";
import type { PluginPermissions } from "@arcade/contracts";
import { isHostPath } from "@arcade/core";
import type { PluginUser } from "./plugin-user.js";

export interface LaunchOptions {
  pluginId: string;
  /** The Node binary: the platform's own (process.execPath). */
  execPath: string;
  /** bootstrap.mjs (bootstrapPath()). */
  bootstrap: string;
  /** The plugin's unpacked folder (read-only to it). */
  codeDir: string;
  /** The plugin's data folder (read-write to it, kept across versions). */
  dataDir: string;
  permissions: PluginPermissions;
  /** Old-generation heap limit (--max-old-space-size). */
  memoryMb: number;
  /** The OS user to run as; null keeps the platform's (it is not root). */
  user: PluginUser | null;
  /** RLIMIT_AS in MiB, applied through util-linux prlimit; null: not bounded. */
  addressSpaceMb: number | null;
  /** Path of the prlimit binary; needed when addressSpaceMb is set. */
  prlimitPath: string | null;
}

export interface LaunchPlan {
  command: string;
  args: string[];
  /** The whole environment of the process: nothing of the platform's. */
  env: Record<string, string>;
  cwd: string;
  uid?: number;
  gid?: number;
}

/**
 * The command line of a plugin process. Under `--permission` Node refuses what is not
 * granted: files outside the grants below, child processes, worker threads, native addons,
 * WASI, the inspector, FFI, and (without --allow-net) every socket and DNS lookup. Only
 * what the manifest declares is added: host paths (fs), raw sockets (network.raw) and
 * child processes (process), each approved by an admin at install.
 */
export function launchPlan(o: LaunchOptions): LaunchPlan {
  const p = o.permissions;
  const readHost = p.fs.read.filter(isHostPath);
  const writeHost = p.fs.write.filter(isHostPath);
  const node = [
    "--permission",
    `--allow-fs-read=${o.bootstrap}`,
    ...codeGrant(o.pluginId, o.codeDir),
    ...folder("read", o.dataDir),
    ...folder("write", o.dataDir),
    ...readHost.map((path) => `--allow-fs-read=${path}`),
    // Writing a path mostly needs reading it too (mkdir -p, rm -r, appendFile).
    ...writeHost.flatMap((path) => [`--allow-fs-read=${path}`, `--allow-fs-write=${path}`]),
    ...(p.network.raw ? ["--allow-net"] : []),
    ...(p.process ? ["--allow-child-process"] : []),
    `--max-old-space-size=${o.memoryMb}`,
    "--disallow-code-generation-from-strings",
    // node:sqlite opens files without asking the permission model (Node documents the gap).
    "--no-experimental-sqlite",
    "--no-experimental-webstorage",
    "--no-addons",
    // SIGUSR1 would start the inspector; another plugin (same OS user) could send it.
    "--disable-sigusr1",
    o.bootstrap,
  ];
  const bounded = o.addressSpaceMb !== null && o.prlimitPath !== null;
  const command = bounded ? (o.prlimitPath as string) : o.execPath;
  const args = bounded
    ? [`--as=${(o.addressSpaceMb as number) * 1024 * 1024}`, "--core=0", "--", o.execPath, ...node]
    : node;
  return {
    command,
    args,
    // One malloc arena keeps the idle address space near 1 GiB, so RLIMIT_AS can bound what
    // the plugin adds (Buffers and other memory outside the V8 heap). The bootstrap clears it.
    env: { MALLOC_ARENA_MAX: "1" },
    cwd: o.dataDir,
    ...(o.user ? { uid: o.user.uid, gid: o.user.gid } : {}),
  };
}

/**
 * Grants a folder and everything below it. (Node takes a grant for a path that does not exist
 * when the process starts as a grant for that one file; the wildcard covers what is below.)
 */
function folder(kind: "read" | "write", dir: string): string[] {
  return [`--allow-fs-${kind}=${dir}`, `--allow-fs-${kind}=${dir}/*`];
}

/**
 * The plugin's code: in the cache every version of a plugin is `{pluginId}_{version}/`
 * beside the others, so the grant covers `{pluginId}_*` (all of its own versions and their
 * zips, nothing of another plugin: ids end in a random part followed by `_`). That makes the
 * command line of a plugin the same for every version, which is what lets a warm spare
 * started for it serve its next version. A folder named otherwise is granted as it is.
 */
function codeGrant(pluginId: string, codeDir: string): string[] {
  if (!basename(codeDir).startsWith(`${pluginId}_`)) return folder("read", codeDir);
  return [`--allow-fs-read=${join(dirname(codeDir), `${pluginId}_`)}*`];
}
