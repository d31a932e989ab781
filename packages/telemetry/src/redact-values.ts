import RE2 from "re2";
import { REDACTED } from "./redact.js";

/**
 * Redaction by what a value looks like, wherever it sits in a log line: in a message, an error
 * message or stack, a child binding, a field with an innocent name. Key-name redaction
 * (redact.ts) cannot see `https://user:pass@host` in a message or `?token=...` in a logged URL.
 *
 * It runs on the finished JSON line (pino's streamWrite hook), so nothing escapes it. Each
 * pattern keeps a harmless prefix (the scheme, the parameter name, the token's kind) and
 * replaces what follows with REDACTED; the secret's characters never include `"` or `\`,
 * so a replacement cannot break the JSON around it.
 *
 * Every pattern runs on RE2 in one combined pass: matching time is linear in the line,
 * whatever the line holds (JavaScript's backtracking engine gives no such bound, and log
 * lines carry text from clients and plugins).
 */

interface ValuePattern {
  /** What it catches, for tests and readers. */
  name: string;
  /** One capturing group: the part that stays. The rest of the match becomes REDACTED. */
  source: string;
  /** Kept after REDACTED (the `@` that ends URL userinfo). */
  suffix?: string;
}

/** Characters that end a URL part in a log line: whitespace, delimiters, JSON quoting. */
const URL_STOP = `\\s/?#@"\\\\`;

/** Query or form parameter names whose value is a credential (matched as a name's ending). */
const SECRET_PARAM_ENDINGS = [
  "token",
  "key",
  "secret",
  "sig",
  "signature",
  "password",
  "passwd",
  "pwd",
  "credential",
  "auth",
];

export const VALUE_PATTERNS: readonly ValuePattern[] = [
  // https://user:pass@host -> https://user:[redacted]@host (the user name helps debugging).
  { name: "url-password", source: `(://[^${URL_STOP}:]*:)[^${URL_STOP}]+@`, suffix: "@" },
  // https://TOKEN@host (GitHub, many git hosts put the token in the user part) -> https://[redacted]@host.
  { name: "url-user", source: `(://)[^${URL_STOP}:]+@`, suffix: "@" },
  // ?token=..., &access_token=..., &X-Amz-Signature=..., also after a space or quote in prose.
  {
    name: "query-param",
    source: `((?:^|[?&;,\\s"'(])[A-Za-z0-9_.-]*(?i:${SECRET_PARAM_ENDINGS.join("|")})=)[^&;#\\s"'\\\\]+`,
  },
  // Authorization header values quoted in messages. 8+ characters, so "bearer token" stays.
  { name: "auth-scheme", source: `(\\b(?i:bearer|basic)\\s+)[A-Za-z0-9._~+/-]{8,}=*` },
  // Known token shapes: cheap to match, and they leak through fields with any name.
  { name: "slack-token", source: `(\\bxox[abposr]-)[A-Za-z0-9-]+` },
  { name: "slack-app-token", source: `(\\bxapp-)[A-Za-z0-9-]+` },
  { name: "github-token", source: `(\\bgh[pousr]_)[A-Za-z0-9]{20,}` },
  { name: "github-pat", source: `(\\bgithub_pat_)[A-Za-z0-9_]{20,}` },
  // Webhook URLs whose path is the credential.
  { name: "slack-webhook", source: `(hooks\\.slack\\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+` },
  { name: "discord-webhook", source: `(discord(?:app)?\\.com/api/webhooks/)[A-Za-z0-9/_-]+` },
  // A JWT: three base64url parts, the first two JSON ("eyJ" is `{"`).
  { name: "jwt", source: `(\\beyJ)[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+` },
  // A PEM private key: base64 and line breaks, which are `\n` escapes in a JSON line (an escape
  // is matched whole, so a `\"` is never cut in half).
  {
    name: "private-key",
    source: `(-----BEGIN [A-Z ]*PRIVATE KEY-----)(?:[A-Za-z0-9+/= \\t]|\\\\[nrt])*(?:-----END [A-Z ]*PRIVATE KEY-----)?`,
  },
];

// Alternatives are tried left to right at each position (leftmost-first, as in JavaScript),
// so url-password wins over url-user for `user:pass@`.
const COMBINED = new RE2(VALUE_PATTERNS.map((p) => `(?:${p.source})`).join("|"), "g");

/** Substrings without which no pattern can match: most lines skip RE2 altogether. */
const TRIGGERS =
  /:\/\/|=|bearer|basic|xox|xapp-|gh[pousr]_|github_pat_|hooks\.slack\.com|discord|eyJ|PRIVATE KEY/i;

/** `text` with every value that looks like a credential replaced by REDACTED (see VALUE_PATTERNS). */
export function redactValues(text: string): string {
  if (!TRIGGERS.test(text)) return text;
  return COMBINED.replace(text, (...args: unknown[]) => {
    // args: the match, one group per pattern, then offset and the whole string.
    for (let i = 0; i < VALUE_PATTERNS.length; i++) {
      const kept = args[i + 1];
      if (typeof kept === "string" && kept !== "")
        return `${kept}${REDACTED}${VALUE_PATTERNS[i]!.suffix ?? ""}`;
    }
    return REDACTED;
  });
}
