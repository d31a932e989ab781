import type { ApiClient } from "./api-client.js";
import type { Output } from "./output/output.js";

/** Everything a command needs, built once from the global options. */
export interface CliContext {
  client: ApiClient;
  out: Output;
  /** Follow mutation jobs to the end (false with --no-wait). */
  wait: boolean;
  /** Where relative file arguments are resolved. */
  cwd: string;
  /** Read by `config set <pluginId> -`. */
  stdin: NodeJS.ReadableStream;
  /** Time between job polls. */
  pollIntervalMs: number;
  /**
   * A person at a terminal (stdin and stdout are TTYs, no --json): mutations show their plan and
   * ask before they are sent (jobs/plan-gate.ts). Absent: not interactive.
   */
  interactive?: boolean;
  /** Draw the upload bar even if stderr is not a terminal (tests, CI logs). */
  forceProgress?: boolean;
}
