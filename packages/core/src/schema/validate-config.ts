import type { FieldError } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { formatFieldErrors } from "./field-errors.js";
import { validateAgainst } from "./schema-compiler.js";
import { sealedConfigSchema } from "./secret-fields.js";
import { overlongStrings } from "./string-cap.js";

/**
 * Checks a plugin config (always a JSON object) against the manifest's configSchema.
 * No schema: any object goes. Strings and keys longer than MAX_VALUE_STRING_CHARS never do. Pointers are relative to the config itself
 * (`/webhookUrl`), as for the body of PUT /plugins/:id/config.
 */
export function validateConfig(configSchema: unknown, config: unknown): FieldError[] {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    return [{ path: "", message: "must be a JSON object" }];
  }
  // Before the schema: no format check or pattern runs on an oversized string.
  const overlong = overlongStrings(config, "");
  if (overlong.length > 0) return overlong;
  if (configSchema === null || configSchema === undefined) return [];
  return validateAgainst(configSchema, config, "");
}

/**
 * validateConfig for a config as stored, whose secret values may be ciphertexts: the secrets'
 * contents are not checked (they were, in clear, when they were set), everything else is.
 */
export function validateStoredConfig(configSchema: unknown, config: unknown): FieldError[] {
  return validateConfig(sealedConfigSchema(configSchema), config);
}

/** validateConfig, throwing CONFIG_INVALID with every error. */
export function assertConfig(configSchema: unknown, config: unknown): void {
  const errors = validateConfig(configSchema, config);
  if (errors.length === 0) return;
  throw new AppError("CONFIG_INVALID", "the config does not satisfy the plugin's configSchema", {
    errors,
    detail: `Fix these fields and send the config again:\n${formatFieldErrors(errors)}`,
  });
}
