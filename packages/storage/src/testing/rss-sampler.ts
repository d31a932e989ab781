import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A handle on V8's collector without `--expose-gc` on the command line. Used
 * so that garbage (chunks already passed on, which V8 may leave uncollected
 * for tens of MB) does not count as memory the code under test holds.
 */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/**
 * Samples the process RSS every `intervalMs` to find the peak during a
 * transfer; `sample()` may also be called from the data path. Every `gcEvery`
 * sampled calls it first collects garbage, so the peak reflects what is held.
 */
export class RssSampler {
  private static gc: (() => void) | undefined;
  private calls = 0;
  readonly baseline: number;
  private peakRss: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    intervalMs = 50,
    private readonly gcEvery = 16,
  ) {
    RssSampler.gc ??= exposeGc();
    RssSampler.gc();
    this.baseline = process.memoryUsage.rss();
    this.peakRss = this.baseline;
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Also called by the test between chunks, so a busy event loop cannot hide a peak. */
  sample(): void {
    this.calls += 1;
    if (this.calls % this.gcEvery === 0) RssSampler.gc?.();
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }

  /** Stops sampling; returns the peak growth over the baseline, in bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakRss - this.baseline;
  }
}
