import type { FieldError } from "@arcade/contracts";

/** Exit codes of the command: scripts branch on these. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** An RFC 9457 problem as the API answers it, or as the CLI made it up for a non-problem answer. */
export interface ProblemInfo {
  status: number;
  code: string;
  title: string;
  detail?: string;
  errors?: FieldError[];
  requestId?: string;
  [extension: string]: unknown;
}

/** The API answered with an error status. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly problem: ProblemInfo,
    readonly method: string,
    readonly url: string,
  ) {
    super(`${problem.code}: ${problem.title}`);
  }
}

/** The API could not be reached at all (refused, unknown host, reset). */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach ${url}: ${reason}`, options);
  }
}

/** The command line itself is wrong: exit 2, like commander's own parse errors. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
