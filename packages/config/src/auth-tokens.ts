import { createHash } from "node:crypto";
import type { AuthToken } from "./arcade-config.js";
import type { ConfigIssue } from "./config-error.js";
import type { ConfigOrigins } from "./config-origins.js";
import type { FileConfig } from "./file-schema.js";

/** The token that `ARCADE_ADMIN_TOKEN` adds, for first runs, scripts and tests. */
export const BOOTSTRAP_TOKEN_NAME = "bootstrap";

const MIN_TOKEN_LENGTH = 16;

/** Lower-case hex SHA-256, the form in which tokens are kept and compared. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Turn the configured tokens into hashes only. A plain `token` is accepted for convenience
 * but warned about; `ARCADE_ADMIN_TOKEN` adds (or replaces) the admin token `bootstrap`.
 */
export function resolveTokens(
  raw: FileConfig["auth"]["tokens"],
  adminToken: string | undefined,
  origins: ConfigOrigins,
): { tokens: AuthToken[]; issues: ConfigIssue[]; warnings: string[] } {
  const tokens: AuthToken[] = [];
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();

  raw.forEach((entry, i) => {
    const at = ["auth", "tokens", i];
    if (seen.has(entry.name)) {
      issues.push(origins.issue([...at, "name"], "a name that no other token has"));
      return;
    }
    seen.add(entry.name);
    if (entry.token !== undefined && entry.token_sha256 !== undefined) {
      issues.push(origins.issue([...at, "token"], "left out when token_sha256 is set", { secret: true }));
      return;
    }
    if (entry.token === undefined && entry.token_sha256 === undefined) {
      issues.push(
        origins.issue([...at, "token_sha256"], "set (or token, the plain form)", { missing: true }),
      );
      return;
    }
    if (entry.token !== undefined) {
      warnings.push(
        `auth.tokens[${i}] ("${entry.name}") holds a plain token${origins.where}; store its SHA-256 as ` +
          `token_sha256 instead (printf %s "$TOKEN" | sha256sum)`,
      );
      if (entry.token.length < MIN_TOKEN_LENGTH) {
        warnings.push(
          `auth.tokens[${i}] ("${entry.name}") is shorter than ${MIN_TOKEN_LENGTH} characters: easy to guess`,
        );
      }
    }
    const tokenSha256 = entry.token_sha256?.toLowerCase() ?? sha256Hex(entry.token ?? "");
    tokens.push({ name: entry.name, role: entry.role, tokenSha256 });
  });

  if (adminToken !== undefined && adminToken !== "") {
    if (adminToken.length < MIN_TOKEN_LENGTH) {
      warnings.push(`ARCADE_ADMIN_TOKEN is shorter than ${MIN_TOKEN_LENGTH} characters: easy to guess`);
    }
    const others = tokens.filter((t) => t.name !== BOOTSTRAP_TOKEN_NAME);
    others.push({ name: BOOTSTRAP_TOKEN_NAME, role: "admin", tokenSha256: sha256Hex(adminToken) });
    return { tokens: others, issues, warnings };
  }
  return { tokens, issues, warnings };
}
