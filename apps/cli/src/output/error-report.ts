import type { FieldError } from "@arcade/contracts";
import { ApiError, ConnectionError, EXIT, type ProblemInfo, UsageError } from "../errors.js";
import { hintFor, UNREACHABLE_HINT } from "./hints.js";
import type { Output } from "./output.js";

/** Lines describing a problem: code, title, detail, field errors, request id, and what to do next. */
export function problemLines(problem: ProblemInfo): string[] {
  const status = problem.status ? ` (${problem.status})` : "";
  const lines = [`error: ${problem.code}${status} ${problem.title}`];
  if (problem.detail && problem.detail !== problem.title) lines.push(`  ${problem.detail}`);
  lines.push(...fieldErrorLines(problem.errors));
  if (problem.requestId) lines.push(`  request id: ${problem.requestId}`);
  const hint = hintFor(problem.code, problem.status, problem);
  if (hint) lines.push(`hint: ${hint}`);
  return lines;
}

export function fieldErrorLines(errors: FieldError[] | undefined): string[] {
  return (errors ?? []).map((e) => `  ${e.path || "/"}: ${e.message}`);
}

/** Prints any error the way the CLI promises and answers the exit code. */
export function reportError(error: unknown, out: Output): number {
  if (error instanceof ApiError) {
    const hint = hintFor(error.problem.code, error.problem.status, error.problem);
    if (out.json) out.data({ error: { ...error.problem, ...(hint ? { hint: out.render(hint) } : {}) } });
    for (const line of problemLines(error.problem)) out.error(line);
    return EXIT.failed;
  }
  if (error instanceof ConnectionError) {
    if (out.json) out.data({ error: { code: "UNREACHABLE", title: error.message, hint: UNREACHABLE_HINT } });
    out.error(`error: ${error.message}`);
    out.error(`hint: ${UNREACHABLE_HINT}`);
    return EXIT.unreachable;
  }
  if (error instanceof UsageError) {
    if (out.json) {
      out.data({
        error: {
          code: "USAGE",
          title: error.message,
          hint: error.hint ? out.render(error.hint) : error.hint,
        },
      });
    }
    out.error(`error: ${error.message}`);
    if (error.hint) out.error(`hint: ${error.hint}`);
    return EXIT.usage;
  }
  const coded = asCodedError(error);
  if (coded) {
    // A local failure with a platform code (the SDK's pack throws these).
    const problem: ProblemInfo = { status: 0, code: coded.code, title: coded.message };
    if (coded.detail) problem.detail = coded.detail;
    if (coded.errors) problem.errors = coded.errors;
    if (out.json) out.data({ error: problem });
    for (const line of problemLines(problem)) out.error(line);
    return EXIT.failed;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (out.json) out.data({ error: { code: "ERROR", title: message } });
  out.error(`error: ${message}`);
  return EXIT.failed;
}

interface CodedError {
  code: string;
  message: string;
  detail?: string;
  errors?: FieldError[];
}

function asCodedError(error: unknown): CodedError | null {
  if (!(error instanceof Error)) return null;
  const { code, detail, errors } = error as Error & { code?: unknown; detail?: unknown; errors?: unknown };
  // Only platform codes: Node's own (ENOENT, ERR_...) read better as their message.
  if (typeof code !== "string" || code.startsWith("ERR_") || !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(code))
    return null;
  return {
    code,
    message: error.message,
    ...(typeof detail === "string" ? { detail } : {}),
    ...(Array.isArray(errors) ? { errors: errors as FieldError[] } : {}),
  };
}
