/** Calls of each plugin being served now, so a hold can wait for the ones already running. */
export class InFlightCalls {
  private readonly counts = new Map<string, number>();
  private readonly idle = new Map<string, (() => void)[]>();

  /** `onIdle` runs when the last running call of a plugin ends. */
  constructor(private readonly onIdle: (pluginId: string) => void = () => {}) {}

  begin(pluginId: string): void {
    this.counts.set(pluginId, (this.counts.get(pluginId) ?? 0) + 1);
  }

  end(pluginId: string): void {
    const left = (this.counts.get(pluginId) ?? 1) - 1;
    if (left > 0) {
      this.counts.set(pluginId, left);
      return;
    }
    this.counts.delete(pluginId);
    for (const resolve of this.idle.get(pluginId)?.splice(0) ?? []) resolve();
    this.idle.delete(pluginId);
    this.onIdle(pluginId);
  }

  count(pluginId: string): number {
    return this.counts.get(pluginId) ?? 0;
  }

  /** True once no call of the plugin runs; false when some still did after `timeoutMs`. */
  drained(pluginId: string, timeoutMs: number): Promise<boolean> {
    if (this.count(pluginId) === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiters = this.idle.get(pluginId) ?? [];
      this.idle.set(pluginId, waiters);
      const timer = setTimeout(() => {
        const at = waiters.indexOf(done);
        if (at >= 0) waiters.splice(at, 1);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve(true);
      }
      waiters.push(done);
    });
  }
}
