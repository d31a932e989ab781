import type { BenchContext } from "./context.js";
import type { BenchmarkOutcome } from "./report.js";

export interface Benchmark {
  /** For --only. */
  name: string;
  /** In the table. */
  title: string;
  run(ctx: BenchContext): Promise<BenchmarkOutcome>;
}
