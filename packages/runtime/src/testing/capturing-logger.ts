import type { Logger } from "@arcade/core";

export interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  /** Child bindings merged with the record's own fields. */
  fields: Record<string, unknown>;
}

/** A Logger (pino's shape) that keeps every record, for tests. */
export function capturingLogger(
  records: LogRecord[] = [],
  bindings: Record<string, unknown> = {},
): Logger & {
  records: LogRecord[];
} {
  const at =
    (level: LogRecord["level"]) =>
    (first: unknown, second?: string): void => {
      if (typeof first === "string") records.push({ level, msg: first, fields: { ...bindings } });
      else records.push({ level, msg: second ?? "", fields: { ...bindings, ...(first as object) } });
    };
  return {
    records,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => capturingLogger(records, { ...bindings, ...more }),
  };
}
