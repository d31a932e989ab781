import type { FieldError } from "@arcade/contracts";
import { capFieldErrors } from "./field-errors.js";
import { joinPointer } from "./json-pointer.js";

/**
 * Longest string, and longest object key, in a plugin's config or an action's params
 * (UTF-16 code units, as JavaScript counts `length`). Checked before schema validation:
 * patterns run in linear time on RE2, but `format` checks and the plugin itself still
 * pay per character, and nothing a plugin is configured or called with needs more.
 */
export const MAX_VALUE_STRING_CHARS = 65_536;

/**
 * Every string or key of `value` longer than `max`, as field errors with pointers
 * prefixed by `basePath`. Iterative, and each object is visited once, so a deep or
 * shared (or, from code, cyclic) value cannot overflow the stack.
 */
export function overlongStrings(value: unknown, basePath = "", max = MAX_VALUE_STRING_CHARS): FieldError[] {
  const errors: FieldError[] = [];
  const tooLong = `is longer than ${max} characters (the platform's limit for strings in config and params)`;
  const seen = new WeakSet<object>();
  const stack: { value: unknown; path: string }[] = [{ value, path: basePath }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === "string") {
      if (v.length > max) errors.push({ path: item.path, message: tooLong });
      continue;
    }
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i -= 1) stack.push({ value: v[i], path: joinPointer(item.path, i) });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i -= 1) {
      const key = keys[i]!;
      const path = joinPointer(item.path, key.length > max ? `${key.slice(0, 32)}...` : key);
      if (key.length > max) errors.push({ path, message: `is a key ${tooLong.slice(3)}` });
      stack.push({ value: (v as Record<string, unknown>)[key], path });
    }
  }
  return capFieldErrors(errors);
}
