import type { Logger } from "@arcade/core";
import type { LaunchPlan } from "./launch-args.js";
import { type SpawnedProcess, spawnPlugin } from "./spawn-plugin.js";

interface Ready {
  key: string;
  pluginId: string;
  process: SpawnedProcess;
  /** Resolves true once the bootstrap said hello, false if it ended first. */
  hello: Promise<boolean>;
}

/**
 * One plugin process started ahead, so that a hot swap waits for no spawn.
 * Node's permission grants are fixed when a process starts, so a spare is started for a
 * launch plan, and only a sandbox with exactly that plan can take it. The plan of a
 * plugin does not depend on its version (its code grant covers `{pluginId}_*` in the cache,
 * see launch-args.ts), so a spare started for the plugin that was loaded last is what its
 * next version takes, as long as its permissions and memory stay the same. The host aims
 * the spare at the plugin it loaded or swapped last, once loads have been quiet for a moment
 * (a node starting 50 plugins starts one spare, not 50).
 */
export class WarmSpare {
  private ready: Ready | null = null;
  private timer: NodeJS.Timeout | null = null;
  private aimedAt: string | null = null;
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly quietMs = 1_000,
  ) {}

  /** The spare, when one was started for exactly this plan and is alive; it is then no longer the spare. */
  take(plan: LaunchPlan): SpawnedProcess | null {
    const ready = this.ready;
    if (!ready || ready.key !== keyOf(plan) || !ready.process.helloed || ready.process.exit) return null;
    this.ready = null;
    return ready.process;
  }

  /** Aims the spare at `plan` once loads have been quiet for a moment (replacing one for another plan). */
  aim(plan: LaunchPlan, pluginId: string): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.aimedAt = pluginId;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start(plan, pluginId);
    }, this.quietMs);
    this.timer.unref();
  }

  /** The plugin is gone from this node: a spare started for it serves nobody. */
  drop(pluginId: string): void {
    if (this.timer && this.aimedAt === pluginId) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.ready?.pluginId === pluginId) void this.discard();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.discard();
  }

  private start(plan: LaunchPlan, pluginId: string): void {
    const key = keyOf(plan);
    if (this.closed || (this.ready?.key === key && !this.ready.process.exit)) return;
    void this.discard();
    let process: SpawnedProcess;
    try {
      process = spawnPlugin(plan);
    } catch (error) {
      this.logger.warn({ err: error }, "a warm spare plugin process could not be started");
      return;
    }
    const child = process.child;
    child.on("exit", (code, signal) => {
      process.exit = { code, signal };
    });
    // Output before a sandbox takes it over would otherwise fill the pipes.
    process.stdout.resume();
    process.stderr.resume();
    const hello = new Promise<boolean>((resolve) => {
      child.once("error", () => resolve(false));
      child.once("exit", () => resolve(false));
      child.on("message", function onHello(message: { type?: string }) {
        if (message?.type !== "hello") return;
        child.off("message", onHello);
        process.helloed = true;
        resolve(true);
      });
    });
    this.ready = { key, pluginId, process, hello };
  }

  private async discard(): Promise<void> {
    const ready = this.ready;
    this.ready = null;
    if (!ready) return;
    if (!ready.process.exit) ready.process.child.kill("SIGKILL");
    await ready.hello;
  }
}

function keyOf(plan: LaunchPlan): string {
  return JSON.stringify([plan.command, plan.args, plan.env, plan.cwd, plan.uid, plan.gid]);
}
