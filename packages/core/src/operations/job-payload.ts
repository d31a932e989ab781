import { JobPayloadSchemas, type JobPayloads, type JobType } from "@arcade/contracts";
import { Ajv, type ValidateFunction } from "ajv";
import { AppError } from "../errors/app-error.js";

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<JobType, ValidateFunction>();

/** Checked by the producer before enqueueing and by the processor before running. */
export function assertJobPayload<T extends JobType>(
  type: T,
  payload: unknown,
): asserts payload is JobPayloads[T] {
  if (!Object.hasOwn(JobPayloadSchemas, type)) {
    throw new AppError("VALIDATION_FAILED", `unknown job type ${String(type)}`);
  }
  let validate = validators.get(type);
  if (!validate) {
    validate = ajv.compile(JobPayloadSchemas[type]);
    validators.set(type, validate);
  }
  if (!validate(payload)) {
    throw new AppError("VALIDATION_FAILED", `invalid ${type} job payload`, {
      errors: (validate.errors ?? []).map((e) => ({
        path: e.instancePath,
        message: e.message ?? "is invalid",
      })),
    });
  }
}
