import RE2 from "re2";

/**
 * Plugin schemas come from uploads, and ajv runs their `pattern`s (and the keys of
 * `patternProperties`) on the event loop of the API and of every node. JavaScript's
 * backtracking engine can take exponential time on a short string (`^(a|a)*$` against
 * 29 "a"s and a "!" held a node for half a minute), so every schema pattern runs on
 * RE2 instead: an automaton whose matching time is linear in the input, whatever the
 * pattern. RE2 has no backreferences and no lookaround (they cannot be matched in
 * linear time); a pattern that uses them does not compile and is refused with the reason.
 */

/** Longest pattern accepted: compile time and memory grow with the pattern. */
export const MAX_PATTERN_CHARS = 4096;

type Compiled = { regexp: RegExp; problem: null } | { regexp: null; problem: string };

function compile(pattern: string, flags: string): Compiled {
  if (pattern.length > MAX_PATTERN_CHARS) {
    return { regexp: null, problem: `is longer than ${MAX_PATTERN_CHARS} characters; shorten the pattern` };
  }
  try {
    return { regexp: new RE2(pattern, flags), problem: null };
  } catch (error) {
    const reason = reasonOf(error);
    try {
      // Valid JavaScript that RE2 refuses: a feature that cannot run in linear time.
      new RegExp(pattern, flags);
    } catch (syntax) {
      return { regexp: null, problem: `is not a valid regular expression (${reasonOf(syntax)})` };
    }
    return {
      regexp: null,
      problem: `cannot be compiled by RE2, the linear-time engine that runs plugin patterns (${reason}); rewrite it without backreferences (\\1, \\k<name>) and lookaround ((?=, (?!, (?<=, (?<!)`,
    };
  }
}

/**
 * Why RE2 cannot run `pattern`, or null when it can. `flags` are ajv's ("u" by default).
 * The message says what to change.
 */
export function linearPatternProblem(pattern: string, flags = "u"): string | null {
  return compile(pattern, flags).problem;
}

/** ajv's `code.regExp` engine: RE2 for every schema pattern; throws with the reason on one it cannot run. */
export function linearRegExp(pattern: string, flags: string): RegExp {
  const compiled = compile(pattern, flags);
  if (compiled.problem !== null) throw new Error(`pattern "${pattern.slice(0, 80)}" ${compiled.problem}`);
  return compiled.regexp;
}
// Only read by ajv's standalone code generation, which the platform does not use.
linearRegExp.code = 'require("re2")';

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
