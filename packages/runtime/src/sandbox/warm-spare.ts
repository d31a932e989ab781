import { randomBytes } from "node:crypto";
import { chmod, mkdir, rm, symlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PluginPermissions } from "@arcade/contracts";
import { isHostPath, type Logger, NO_PERMISSIONS } from "@arcade/core";
import { addressSpaceLimitMb } from "./address-space.js";
import { launchPlan } from "./launch-args.js";
import type { SandboxRuntime } from "./sandbox.js";
import { type SpawnedProcess, spawnPlugin } from "./spawn-plugin.js";

/** A started plugin process waiting for a plugin, and the slot folder its grants name. */
export interface TakenSpare {
  process: SpawnedProcess;
  /** `{slot}/code`: the process may read below it; link it to the plugin's unpacked folder. */
  codeDir: string;
  /** `{slot}/data`: the process may read and write below it; link it to the plugin's data folder. */
  dataDir: string;
  /** Points the slot at the plugin's folders (symbolic links made by the platform). */
  bind(codeDir: string, dataDir: string): Promise<void>;
  /** Removes the slot once the process has ended. */
  release(): Promise<void>;
}

/**
 * One plugin process started ahead, so that a load or a hot swap waits for no spawn.
 * Node's permission grants are fixed when a process starts, and which plugin comes next
 * is not known then: the spare is granted a slot (`{slots}/{id}/code` to read,
 * `{slots}/{id}/data` to read and write, both not existing yet) and, when a plugin takes
 * it, the platform links the slot's two names to that plugin's folders. Grants are checked
 * on the path as written and the process runs with --preserve-symlinks, so the plugin
 * reaches its folders through the slot and nothing else. The slot folder belongs to the
 * platform (0711), so the plugin cannot re-point the links.
 * Only plugins that need nothing beyond their own folders and the default memory fit:
 * host paths, raw network and child processes are command-line grants.
 */
export class WarmSpare {
  private readonly slotsDir: string;
  private current: { spare: TakenSpare; ready: Promise<boolean>; dead: () => boolean } | null = null;
  private closed = false;

  constructor(
    private readonly options: {
      runtime: SandboxRuntime;
      slotsDir: string;
      memoryMb: number;
      logger: Logger;
    },
  ) {
    this.slotsDir = resolve(options.slotsDir);
  }

  get memoryMb(): number {
    return this.options.memoryMb;
  }

  /** True when a plugin with these needs can run in the spare. */
  fits(permissions: PluginPermissions, memoryMb: number): boolean {
    return (
      memoryMb === this.options.memoryMb &&
      !permissions.network.raw &&
      !permissions.process &&
      !permissions.fs.read.some(isHostPath) &&
      !permissions.fs.write.some(isHostPath)
    );
  }

  /** The spare, if one is started and alive; a new one is started behind it. Null: spawn one yourself. */
  async take(): Promise<TakenSpare | null> {
    const current = this.current;
    if (!current) {
      this.refill();
      return null;
    }
    const alive = await Promise.race([current.ready, Promise.resolve(false)]);
    if (this.current !== current) return null;
    if (!alive) {
      // Still starting: leave it for the next load. Dead: replace it.
      if (current.dead()) {
        this.current = null;
        await current.spare.release();
        this.refill();
      }
      return null;
    }
    this.current = null;
    this.refill();
    return current.spare;
  }

  /** Starts a spare unless one is there. */
  refill(): void {
    if (this.closed || this.current) return;
    const starting = this.start();
    this.current = starting;
    starting.ready.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const current = this.current;
    this.current = null;
    if (current) {
      await current.ready;
      current.spare.process?.child.kill("SIGKILL");
      await current.spare.release();
    }
  }

  private start(): { spare: TakenSpare; ready: Promise<boolean>; dead: () => boolean } {
    const slot = join(this.slotsDir, randomBytes(8).toString("hex"));
    const codeDir = join(slot, "code");
    const dataDir = join(slot, "data");
    const runtime = this.options.runtime;
    const idle = runtime.idleAddressSpaceMb;
    const plan = launchPlan({
      execPath: runtime.execPath,
      bootstrap: runtime.bootstrap,
      codeDir,
      dataDir,
      permissions: NO_PERMISSIONS,
      memoryMb: this.options.memoryMb,
      user: runtime.user,
      addressSpaceMb: idle === null ? null : addressSpaceLimitMb(idle, this.options.memoryMb),
      prlimitPath: runtime.prlimitPath,
    });
    let process!: SpawnedProcess;
    let dead = false;
    const spare: TakenSpare = {
      get process() {
        return process;
      },
      codeDir,
      dataDir,
      bind: async (code, data) => {
        await symlink(code, codeDir);
        await symlink(data, dataDir);
      },
      release: () => rm(slot, { recursive: true, force: true }),
    };
    const ready = (async () => {
      await mkdir(this.slotsDir, { recursive: true, mode: 0o711 });
      await mkdir(slot, { mode: 0o711 });
      await chmod(slot, 0o711);
      process = spawnPlugin({ ...plan, cwd: slot });
      const child = process.child;
      child.on("exit", (code, signal) => {
        process.exit = { code, signal };
        dead = true;
      });
      return new Promise<boolean>((resolveReady) => {
        child.once("error", () => resolveReady(false));
        child.once("exit", () => resolveReady(false));
        child.on("message", function hello(message: { type?: string }) {
          if (message?.type !== "hello") return;
          child.off("message", hello);
          process.helloed = true;
          resolveReady(true);
        });
      });
    })().catch((error: unknown) => {
      dead = true;
      this.options.logger.warn({ err: error }, "a warm spare plugin process could not be started");
      return false;
    });
    return { spare, ready, dead: () => dead };
  }
}
