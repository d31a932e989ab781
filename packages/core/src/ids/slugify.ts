import { createHash } from "node:crypto";

export const SLUG_MAX_LENGTH = 40;

// Letters that NFKD does not decompose into ASCII plus a mark.
const TRANSLITERATE: Readonly<Record<string, string>> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  đ: "d",
  ð: "d",
  ł: "l",
  þ: "th",
  ı: "i",
};

/**
 * The ASCII slug of a plugin name, used inside plugin ids (and so in URLs, object
 * keys and file names). The rules, in order:
 *
 * 1. NFKD-normalise, drop combining marks (diacritics): "Crème" -> "Creme";
 *    full-width and ligature forms become ASCII ("ＡＢ" -> "AB", "ﬁ" -> "fi").
 * 2. Lowercase, then spell out a few letters NFKD keeps (ß -> ss, æ -> ae, ø -> o, ...).
 * 3. Every run of characters outside [a-z0-9] becomes one "-"; leading and trailing
 *    "-" are dropped. ("_" is replaced too: it separates the parts of a plugin id.)
 * 4. At most 40 characters: cut at the last "-" within the limit when that keeps
 *    at least 20 characters (half), otherwise hard at 40 (a trailing "-" is dropped).
 * 5. Nothing left (a name in CJK, emoji, only punctuation): "x" plus the first
 *    8 hex digits of the SHA-256 of the NFC name, so the slug stays ASCII, stable
 *    for a name, and different for different names.
 */
export function slugify(name: string): string {
  const folded = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[ßæœøđðłþı]/g, (c) => TRANSLITERATE[c] ?? c);
  let slug = folded.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (slug.length > SLUG_MAX_LENGTH) slug = cutAtDash(slug);
  if (slug === "")
    slug = `x${createHash("sha256").update(name.normalize("NFC"), "utf8").digest("hex").slice(0, 8)}`;
  return slug;
}

function cutAtDash(slug: string): string {
  // A "-" right after the limit means the first 40 characters end on a whole word.
  if (slug[SLUG_MAX_LENGTH] === "-") return slug.slice(0, SLUG_MAX_LENGTH);
  const head = slug.slice(0, SLUG_MAX_LENGTH);
  const dash = head.lastIndexOf("-");
  return (dash >= SLUG_MAX_LENGTH / 2 ? head.slice(0, dash) : head).replace(/-+$/, "");
}
