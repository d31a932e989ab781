import type { JobPayloads, JobType } from "@arcade/contracts";
import { Ajv, type ValidateFunction } from "ajv";
import { AppError } from "../errors/app-error.js";
import { JOBS } from "./registry.js";

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<JobType, ValidateFunction>();

function validatorOf(type: JobType): ValidateFunction {
  let validate = validators.get(type);
  if (!validate) {
    validate = ajv.compile(JOBS[type].payload);
    validators.set(type, validate);
  }
  return validate;
}

/** True when `payload` fits the payload schema of `type`'s definition. */
export function isJobPayload<K extends JobType>(type: K, payload: unknown): payload is JobPayloads[K] {
  return Object.hasOwn(JOBS, type) && validatorOf(type)(payload);
}

/** The one validation of a job's payload: submitJob calls it as the job enters (VALIDATION_FAILED). */
export function assertJobPayload<K extends JobType>(
  type: K,
  payload: unknown,
): asserts payload is JobPayloads[K] {
  if (!Object.hasOwn(JOBS, type)) {
    throw new AppError("VALIDATION_FAILED", `unknown job type ${String(type)}`);
  }
  const validate = validatorOf(type);
  if (!validate(payload)) {
    throw new AppError("VALIDATION_FAILED", `invalid ${type} job payload`, {
      errors: (validate.errors ?? []).map((e) => ({
        path: e.instancePath,
        message: e.message ?? "is invalid",
      })),
    });
  }
}
