/** The escape character used in every LIKE: not a backslash, which MySQL and SQLite read differently. */
export const LIKE_ESCAPE = "!";

/** `%text%` for a case-insensitive substring match, with LIKE's own wildcards taken literally. */
export function containsPattern(text: string): string {
  const escaped = text.toLowerCase().replace(/[!%_]/g, (ch) => `${LIKE_ESCAPE}${ch}`);
  return `%${escaped}%`;
}
