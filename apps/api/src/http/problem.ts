import type { ErrorCode, FieldError, Problem } from "@arcade/contracts";
import { statusOf } from "@arcade/contracts";
import { AppError } from "@arcade/core";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

const TITLES: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: "Authentication required",
  FORBIDDEN: "Not allowed",
  NOT_FOUND: "Not found",
  METHOD_NOT_ALLOWED: "Method not allowed",
  PAYLOAD_TOO_LARGE: "Payload too large",
  INTERNAL: "Internal error",
};

export function problemBody(error: AppError, requestId: string | undefined): Problem {
  const body: Problem = {
    ...error.extras,
    status: error.status,
    code: error.code,
    title: TITLES[error.code] ?? error.message,
    detail: error.detail ?? error.message,
  };
  if (error.errors.length > 0) body.errors = error.errors;
  if (requestId) body.requestId = requestId;
  return body;
}

export function problem(c: Context, error: AppError, headers: Record<string, string> = {}): Response {
  const body = problemBody(error, c.get("requestId"));
  return c.body(JSON.stringify(body), error.status as ContentfulStatusCode, {
    "content-type": "application/problem+json",
    ...headers,
  });
}

export function fail(code: ErrorCode, message: string, errors?: FieldError[], detail?: string): never {
  throw new AppError(code, message, { ...(errors ? { errors } : {}), ...(detail ? { detail } : {}) });
}

export { statusOf };
