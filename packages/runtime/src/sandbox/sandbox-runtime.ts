import type { Logger } from "@arcade/core";
import { findPrlimit, measureIdleAddressSpaceMb } from "./address-space.js";
import { bootstrapPath } from "./bootstrap-path.js";
import type { FetchPolicy } from "./fetch-proxy.js";
import { accessProblem } from "./path-access.js";
import { resolvePluginUser } from "./plugin-user.js";
import type { SandboxRuntime } from "./sandbox.js";

/** How a node starts plugin processes; every field has a default. */
export interface RuntimeSetup {
  /** runtime.plugin_uid / plugin_gid (names or numbers); used when this process is root. */
  pluginUid?: string;
  pluginGid?: string;
  /** Bound each plugin's address space (RLIMIT_AS through util-linux prlimit). Default true. */
  boundAddressSpace?: boolean;
  /** The Node binary of plugin processes. Default: this process's (process.execPath). */
  execPath?: string;
  /** Where declared variables (permissions.env) are read. Default process.env. */
  hostEnv?: Record<string, string | undefined>;
  fetch?: Partial<Omit<FetchPolicy, "hosts">>;
}

/**
 * Resolves a RuntimeSetup into what every sandbox of the node shares, checking on the way
 * what would otherwise fail once per plugin with a vaguer message: the plugin user exists
 * and is not root, it can run Node and read the bootstrap, and the idle address space.
 */
export async function prepareSandboxRuntime(setup: RuntimeSetup, logger: Logger): Promise<SandboxRuntime> {
  const user = resolvePluginUser(setup.pluginUid ?? "nobody", setup.pluginGid ?? "nogroup");
  const execPath = setup.execPath ?? process.execPath;
  const bootstrap = bootstrapPath();
  if (user) {
    for (const [path, need] of [
      [execPath, "x"],
      [bootstrap, "r"],
    ] as const) {
      const problem = await accessProblem(path, user, need);
      if (problem) {
        throw new Error(
          `${problem}; plugins run as ${user.name} (runtime.plugin_uid/plugin_gid): make the Node installation and the platform's files readable by it`,
        );
      }
    }
  }
  let prlimitPath: string | null = null;
  let idleAddressSpaceMb: number | null = null;
  if (setup.boundAddressSpace !== false) {
    prlimitPath = findPrlimit();
    if (prlimitPath === null) {
      logger.warn(
        {},
        "prlimit (util-linux) was not found: plugin processes have a heap limit but their total memory (Buffers) is not bounded",
      );
    } else {
      try {
        idleAddressSpaceMb = await measureIdleAddressSpaceMb({ execPath, bootstrap, user });
      } catch (error) {
        // Without the measure there is no safe limit: run unbounded rather than not at all.
        prlimitPath = null;
        logger.warn(
          { err: error },
          `the idle address space of a sandbox could not be measured, so plugin processes have a heap limit but their total memory is not bounded: ${(error as Error).message}`,
        );
      }
    }
  }
  logger.info(
    {
      pluginUser: user?.name ?? null,
      idleAddressSpaceMb: idleAddressSpaceMb === null ? null : Math.round(idleAddressSpaceMb),
      bootstrap,
    },
    "plugin sandboxes: one process each under Node's permission model",
  );
  return {
    execPath,
    bootstrap,
    user,
    prlimitPath,
    idleAddressSpaceMb,
    hostEnv: setup.hostEnv ?? process.env,
    ...(setup.fetch ? { fetch: setup.fetch } : {}),
  };
}
