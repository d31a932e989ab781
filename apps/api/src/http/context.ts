import type { Logger } from "@arcade/core";

export type Role = "viewer" | "operator" | "admin";

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
