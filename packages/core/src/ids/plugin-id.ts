import { randomBytes } from "node:crypto";
import { SLUG_MAX_LENGTH, slugify } from "./slugify.js";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const PLUGIN_ID_SUFFIX_LENGTH = 6;
export const PLUGIN_ID_MAX_LENGTH = "plugin_".length + SLUG_MAX_LENGTH + 1 + PLUGIN_ID_SUFFIX_LENGTH;

/** `plugin_<slug>_<6 x [a-z0-9]>`; the slug is dash-separated [a-z0-9] words. */
export const PLUGIN_ID_PATTERN = /^plugin_[a-z0-9]+(?:-[a-z0-9]+)*_[a-z0-9]{6}$/;

/** Source of random bytes; tests pass a fixed one. */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * A new plugin id for `name`: `plugin_<slugify(name)>_<6 random [a-z0-9]>`, e.g.
 * `plugin_slack_k3x9q2`. The suffix comes from crypto random bytes without modulo
 * bias (bytes >= 252 are skipped), so ids of equal slugs do not collide in practice.
 */
export function newPluginId(name: string, random: RandomBytes = randomBytes): string {
  let suffix = "";
  // Bounded: a broken random source cannot spin forever.
  for (let round = 0; suffix.length < PLUGIN_ID_SUFFIX_LENGTH; round += 1) {
    if (round > 64) throw new Error("newPluginId: the random source keeps returning unusable bytes");
    for (const byte of random(PLUGIN_ID_SUFFIX_LENGTH * 2)) {
      if (byte >= 252) continue; // 252 = 7 * 36: keeps every character equally likely
      suffix += ALPHABET[byte % ALPHABET.length];
      if (suffix.length === PLUGIN_ID_SUFFIX_LENGTH) break;
    }
  }
  return `plugin_${slugify(name)}_${suffix}`;
}

/**
 * Could `value` be a plugin id? A cheap syntactic check so that routes answer an
 * absurd id (`../../etc`, 10 KB of junk) without a database round trip.
 */
export function isPluginId(value: unknown): value is string {
  return typeof value === "string" && value.length <= PLUGIN_ID_MAX_LENGTH && PLUGIN_ID_PATTERN.test(value);
}
