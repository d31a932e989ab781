import { createHash } from "node:crypto";
import type { AuthOptions } from "../http/auth.js";
import type { Role } from "../http/context.js";

/** Plain tokens of the test principals; the app only ever sees their hashes. */
export const TOKENS: Record<Role, string> = {
  viewer: "viewer-token-0123456789",
  operator: "operator-token-0123456789",
  admin: "admin-token-0123456789abc",
};

/** A token of the metrics role: /metrics and nothing else. */
export const METRICS_TOKEN = "metrics-token-0123456789";

/** A second admin, to show that idempotency keys are scoped per caller. */
export const OTHER_ADMIN_TOKEN = "other-admin-token-0123456789";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function testAuth(): AuthOptions {
  return {
    disabled: false,
    tokens: [
      { name: "prometheus", role: "metrics", sha256: sha256(METRICS_TOKEN) },
      { name: "viewer", role: "viewer", sha256: sha256(TOKENS.viewer) },
      { name: "operator", role: "operator", sha256: sha256(TOKENS.operator) },
      { name: "admin", role: "admin", sha256: sha256(TOKENS.admin) },
      { name: "other-admin", role: "admin", sha256: sha256(OTHER_ADMIN_TOKEN) },
    ],
  };
}

export function bearer(role: Role): Record<string, string> {
  return { authorization: `Bearer ${TOKENS[role]}` };
}
