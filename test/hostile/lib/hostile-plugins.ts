import { pluginSource } from "../../harness/index.js";
import { type RawEntry, writeZip } from "./zip-writer.js";

export const ENTRY = "index.mjs";

/** A valid custom-type manifest for `name`, with `extra` merged over it (undefined removes a key). */
export function manifestFor(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const manifest: Record<string, unknown> = {
    name,
    version: "1.0.0",
    description: "hostile-input corpus",
    author: "arcade tests",
    pluginType: "custom",
    entryPoint: ENTRY,
    ...extra,
  };
  for (const [key, value] of Object.entries(manifest)) if (value === undefined) delete manifest[key];
  return manifest;
}

export interface PluginArchiveOptions {
  /** Manifest fields over the valid ones, or the raw manifest.json content. */
  manifest?: Record<string, unknown> | string | Buffer;
  /** More entries after manifest.json and the entry module. */
  extra?: RawEntry[];
  /** Leave out the entry module. */
  noEntry?: boolean;
}

/** manifest.json + index.mjs (+ extra) as raw entries, for writeZip. */
export function pluginEntries(name: string, options: PluginArchiveOptions = {}): RawEntry[] {
  const manifest =
    typeof options.manifest === "string" || Buffer.isBuffer(options.manifest)
      ? options.manifest
      : JSON.stringify(manifestFor(name, options.manifest));
  return [
    { name: "manifest.json", data: manifest },
    ...(options.noEntry ? [] : [{ name: ENTRY, data: pluginSource("custom", "1.0.0") }]),
    ...(options.extra ?? []),
  ];
}

/** A plugin archive (valid unless the options make it otherwise). */
export function pluginArchive(name: string, options: PluginArchiveOptions = {}): Buffer {
  return writeZip(pluginEntries(name, options));
}
