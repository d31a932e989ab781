import type { JsonObject, PluginLogger } from "../plugin-definition.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface CapturedLog {
  level: LogLevel;
  message: string;
  fields?: JsonObject;
}

/**
 * A logger that keeps every line so tests can assert on it. Also accepts the
 * pino order `(fields, message)`, because authors coming from pino write that.
 */
export function createCapturingLogger(
  sink: CapturedLog[],
  echo?: (entry: CapturedLog) => void,
): PluginLogger {
  const at =
    (level: LogLevel) =>
    (first: unknown, second?: unknown): void => {
      let entry: CapturedLog;
      if (typeof first === "string") {
        entry = { level, message: first };
        if (isObject(second)) entry.fields = second;
      } else if (isObject(first)) {
        entry = { level, message: typeof second === "string" ? second : "", fields: first };
      } else {
        entry = { level, message: String(first) };
      }
      sink.push(entry);
      echo?.(entry);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
