import type { Logger } from "@arcade/core";

/**
 * Used when the composition root passes no logger: a dropped malformed message or
 * a failed heartbeat must leave a trace somewhere. Pass the app's pino logger instead.
 */
export const consoleLogger: Logger = {
  debug: () => {},
  info: (a: object | string, b?: string) => console.info("[bus]", b ?? "", a),
  warn: (a: object | string, b?: string) => console.warn("[bus]", b ?? "", a),
  error: (a: object | string, b?: string) => console.error("[bus]", b ?? "", a),
  child: () => consoleLogger,
};

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
