import { type FieldError, type RolloutRequest, RolloutRequestSchema } from "@arcade/contracts";
import { AppError, formatFieldErrors, validateRolloutRequest } from "@arcade/core";
import { TypeCompiler } from "@sinclair/typebox/compiler";

const checkShape = TypeCompiler.Compile(RolloutRequestSchema);

/**
 * The `rollout` field of an install or update (multipart, a JSON text, for a local upload and a
 * market install alike), checked as the other fields are: MALFORMED_JSON when it is not JSON,
 * VALIDATION_FAILED with pointers under `/rollout` when it breaks RolloutRequestSchema or the
 * request rules (validateRolloutRequest). Absent: undefined (the job's default applies).
 */
export function rolloutField(fields: Record<string, string>): RolloutRequest | undefined {
  const text = fields.rollout;
  if (text === undefined || text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError("MALFORMED_JSON", `the rollout field is not valid JSON: ${(error as Error).message}`);
  }
  const shape = [...checkShape.Errors(value)]
    .slice(0, 20)
    .map((e) => ({ path: `/rollout${e.path}`, message: e.message }));
  if (shape.length > 0) throw invalid(shape);
  const request = value as RolloutRequest;
  const rules = validateRolloutRequest(request);
  if (rules.length > 0) throw invalid(rules);
  return request;
}

function invalid(errors: FieldError[]): AppError {
  const first = errors[0];
  const message = first ? `${first.path.slice(1)} ${first.message}` : "rollout is not valid";
  return new AppError("VALIDATION_FAILED", message, {
    errors,
    detail: `Fix these fields of the rollout and send the request again:\n${formatFieldErrors(errors)}`,
  });
}
