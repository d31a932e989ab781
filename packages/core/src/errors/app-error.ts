import { type ErrorCode, type FieldError, statusOf, TRANSIENT_CODES } from "@arcade/contracts";

export interface AppErrorOptions {
  detail?: string;
  errors?: FieldError[];
  cause?: unknown;
  /** Extra members for the problem body, e.g. `inFlightJobId`. */
  extras?: Record<string, unknown>;
}

/**
 * The one error type of the platform: a code from the fixed list, a readable
 * message, optional field errors. HTTP status and retryability follow from the code.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly errors: FieldError[];
  readonly extras: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.detail = options.detail;
    this.errors = options.errors ?? [];
    this.extras = options.extras ?? {};
  }

  get status(): number {
    return statusOf(this.code);
  }

  /** A passing fault of infrastructure: a worker retries it, the API answers 503. */
  get retryable(): boolean {
    return TRANSIENT_CODES.has(this.code);
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
