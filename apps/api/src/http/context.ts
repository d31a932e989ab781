import type { Logger } from "@arcade/core";

export type Role = "viewer" | "operator" | "admin";

/** What a configured token may be: an API role, or `metrics` (reads /metrics and nothing else). */
export type TokenRole = Role | "metrics";

export interface Principal {
  name: string;
  role: Role;
}

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
    logger: Logger;
    principal: Principal;
  }
}
