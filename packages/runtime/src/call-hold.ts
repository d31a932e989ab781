/** One plugin's hold: the calls waiting on it, and the timer that ends it by itself. */
interface Hold {
  waiters: (() => void)[];
  timer: NodeJS.Timeout | null;
  /** The bound passed before a reconcile lifted it: calls flow again until the hold is lifted and set anew. */
  expired: boolean;
}

/**
 * New calls of a plugin held (queued, not failed) during a two-phase switch: a reconcile sets
 * the hold and a later one lifts it. A hold no reconcile lifts within `timeoutMs`
 * (node.convergence_timeout) ends by itself: the held calls go on to the version the node
 * serves, and `onExpire` says so. An expired hold stays expired (not set again by the same
 * placement) until it is lifted.
 */
export class CallHolds {
  private readonly holds = new Map<string, Hold>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (pluginId: string, heldCalls: number) => void,
  ) {}

  /** True while new calls of the plugin wait. */
  holding(pluginId: string): boolean {
    const hold = this.holds.get(pluginId);
    return hold !== undefined && !hold.expired;
  }

  /** Number of calls waiting now. */
  waiting(pluginId: string): number {
    return this.holds.get(pluginId)?.waiters.length ?? 0;
  }

  /** Starts holding; false when the plugin is held already (or its hold expired and was not lifted). */
  set(pluginId: string): boolean {
    if (this.holds.has(pluginId)) return false;
    const hold: Hold = { waiters: [], timer: null, expired: false };
    hold.timer = setTimeout(() => {
      hold.timer = null;
      hold.expired = true;
      const held = hold.waiters.length;
      this.flush(hold);
      this.onExpire(pluginId, held);
    }, this.timeoutMs);
    hold.timer.unref();
    this.holds.set(pluginId, hold);
    return true;
  }

  /** Lets the held calls go on; false when the plugin was not held. */
  lift(pluginId: string): boolean {
    const hold = this.holds.get(pluginId);
    if (!hold) return false;
    this.holds.delete(pluginId);
    if (hold.timer) clearTimeout(hold.timer);
    this.flush(hold);
    return !hold.expired;
  }

  /** Resolves at once, or when the plugin's hold ends (lifted or expired). */
  pass(pluginId: string): Promise<void> {
    const hold = this.holds.get(pluginId);
    if (!hold || hold.expired) return Promise.resolve();
    return new Promise((resolve) => hold.waiters.push(resolve));
  }

  /** Lifts every hold (the host stops). */
  liftAll(): void {
    for (const pluginId of [...this.holds.keys()]) this.lift(pluginId);
  }

  private flush(hold: Hold): void {
    for (const resolve of hold.waiters.splice(0)) resolve();
  }
}
