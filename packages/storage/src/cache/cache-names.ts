import { AppError } from "@arcade/core";

const PLUGIN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Semver-shaped; no `_`, so `{pluginId}_{version}` splits unambiguously at the last `_`. */
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** Suffixes of the cache's own names, which a version must not end up looking like. */
const RESERVED = /\.zip$|\.(?:tmp|trash)-/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What kind of cache entry a name in the cache folder is. */
export type EntryKind = "zip" | "dir" | "temp";

export interface ParsedEntry {
  pluginId: string;
  version: string;
  kind: EntryKind;
}

/** `{pluginId}_{version}`, after checking both are safe as parts of a file name. */
export function entryBase(pluginId: string, version: string): string {
  assertPluginId(pluginId);
  if (!VERSION.test(version) || RESERVED.test(version)) {
    throw new AppError(
      "BAD_REQUEST",
      `version ${JSON.stringify(version)} cannot be cached: not a plain semver`,
    );
  }
  return `${pluginId}_${version}`;
}

export function assertPluginId(pluginId: string): void {
  if (!PLUGIN_ID.test(pluginId)) {
    throw new AppError(
      "BAD_REQUEST",
      `plugin id ${JSON.stringify(pluginId)} cannot be cached: unsafe as a file name`,
    );
  }
}

export function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) {
    throw new AppError(
      "BAD_REQUEST",
      `artifact checksum must be 64 lowercase hex digits, got ${JSON.stringify(sha256)}`,
    );
  }
}

/** Reads a name from the cache folder back into plugin, version and kind; null for anything else. */
export function parseEntryName(name: string): ParsedEntry | null {
  let base = name;
  let kind: EntryKind = "dir";
  // Temp names may nest: an extractor can stage `<our temp>.tmp-<hex>` itself.
  const temp = /(?:\.(?:zip\.tmp|tmp|trash)-[0-9a-f]+)+$/.exec(name);
  if (temp !== null) {
    base = name.slice(0, temp.index);
    kind = "temp";
  } else if (name.endsWith(".zip")) {
    base = name.slice(0, -".zip".length);
    kind = "zip";
  }
  const cut = base.lastIndexOf("_");
  if (cut <= 0) return null;
  const pluginId = base.slice(0, cut);
  const version = base.slice(cut + 1);
  if (!PLUGIN_ID.test(pluginId) || !VERSION.test(version) || RESERVED.test(version)) return null;
  return { pluginId, version, kind };
}
