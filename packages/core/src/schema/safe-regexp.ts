/**
 * Plugin schemas come from uploads, and ajv runs their `pattern`s with the
 * JavaScript regex engine on the event loop: one pattern with nested
 * quantifiers, like `^(a+)+$`, against a short string can stall a process for
 * minutes. So a pattern is only compiled when it is visibly linear-ish:
 * - no quantified group that itself contains a quantifier (star height 1), the
 *   shape behind practically every catastrophic-backtracking pattern;
 * - no backreferences; at most 1000 characters.
 * This refuses some harmless patterns; the error says what to change.
 */
const MAX_PATTERN_LENGTH = 1000;

export function unsafePatternReason(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  const groups: boolean[] = [];
  let lastGroupHadQuantifier = false;
  let lastWasGroupEnd = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && pattern[i + 2] === "<")) return "uses a backreference";
      i += 1;
      lastWasGroupEnd = false;
      continue;
    }
    if (ch === "[") {
      // Skip the character class; quantifiers inside it are literal characters.
      for (i += 1; i < pattern.length && pattern[i] !== "]"; i++) if (pattern[i] === "\\") i += 1;
      lastWasGroupEnd = false;
      continue;
    }
    if (ch === "(") {
      groups.push(false);
      lastWasGroupEnd = false;
      continue;
    }
    if (ch === ")") {
      lastGroupHadQuantifier = groups.pop() ?? false;
      lastWasGroupEnd = true;
      // The group's inner quantifier also counts for the group around it.
      if (lastGroupHadQuantifier && groups.length > 0) groups[groups.length - 1] = true;
      continue;
    }
    const repeats = repeatingQuantifierAt(pattern, i);
    if (repeats) {
      if (lastWasGroupEnd && lastGroupHadQuantifier)
        return "repeats a group that itself repeats (nested quantifiers)";
      if (groups.length > 0) groups[groups.length - 1] = true;
    }
    lastWasGroupEnd = false;
  }
  return null;
}

/** `*`, `+` or `{n,}` / `{n,m}` with m > 1 at position i (a `?` alone repeats nothing). */
function repeatingQuantifierAt(pattern: string, i: number): boolean {
  const ch = pattern[i];
  if (ch === "*" || ch === "+") return true;
  if (ch !== "{") return false;
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
  if (!match) return false;
  if (match[2] === undefined) return Number(match[1]) > 1;
  return match[3] === "" || Number(match[3]) > 1;
}

/** ajv's `code.regExp` engine: JavaScript regexes, refusing the patterns above. */
export function safeRegExp(pattern: string, flags: string): RegExp {
  const reason = unsafePatternReason(pattern);
  if (reason) {
    throw new Error(`pattern "${pattern.slice(0, 80)}" is refused: it ${reason}; rewrite it without that`);
  }
  return new RegExp(pattern, flags);
}
safeRegExp.code = "new RegExp";
