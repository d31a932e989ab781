import { randomBytes } from "node:crypto";
import { type PluginType, REQUIRED_ACTIONS } from "@arcade/contracts";
import yazl from "yazl";

export interface PluginZipOptions {
  /** manifest.name (lower-case letters, digits, dashes). */
  name: string;
  /** manifest.version; default "1.0.0". */
  version?: string;
  /** default "custom". */
  pluginType?: PluginType;
  /** Source of the entry module; default: pluginSource(pluginType, version). */
  source?: string;
  /** default "index.mjs". */
  entryPoint?: string;
  /** Merged over the generated manifest (shallow); a key set to undefined is removed. */
  manifest?: Record<string, unknown>;
  /** Leave manifest.json out of the archive. */
  omitManifest?: boolean;
  /** More entries: archive path -> content. */
  files?: Record<string, string | Uint8Array>;
  /** Adds `padding.bin` with this many random (incompressible, stored) bytes: a big, slow archive. */
  paddingBytes?: number;
  /**
   * Renames entries after zipping, byte for byte in the local headers and the central directory,
   * to names yazl refuses to write (zip slip, absolute paths). Old and new name must have the
   * same length in bytes, e.g. `{ "xx/evil.mjs": "../evil.mjs" }` with files["xx/evil.mjs"].
   */
  rawNames?: Record<string, string>;
}

/**
 * A plugin module whose actions are the ones `pluginType` requires; each answers
 * `{ ok: true, action, version, params }`, so a caller can tell which version served it.
 */
export function pluginSource(pluginType: PluginType, version: string): string {
  const actions = REQUIRED_ACTIONS[pluginType]
    .map(
      (a) =>
        `    async ${a}(params) { return { ok: true, action: ${JSON.stringify(a)}, version: VERSION, params }; },`,
    )
    .join("\n");
  return [
    `const VERSION = ${JSON.stringify(version)};`,
    "export default {",
    "  async init() {},",
    "  actions: {",
    actions,
    "  },",
    "  async cleanup() {},",
    "};",
    "",
  ].join("\n");
}

/** The manifest buildPluginZip writes (before `manifest` overrides). */
export function pluginManifest(options: PluginZipOptions): Record<string, unknown> {
  const manifest: Record<string, unknown> = {
    name: options.name,
    version: options.version ?? "1.0.0",
    description: `e2e test plugin ${options.name}`,
    author: "arcade e2e",
    pluginType: options.pluginType ?? "custom",
    entryPoint: options.entryPoint ?? "index.mjs",
    ...options.manifest,
  };
  for (const [key, value] of Object.entries(manifest)) if (value === undefined) delete manifest[key];
  return manifest;
}

/** Builds an installable (or deliberately broken) plugin zip in memory. */
export async function buildPluginZip(options: PluginZipOptions): Promise<Buffer> {
  const version = options.version ?? "1.0.0";
  const pluginType = options.pluginType ?? "custom";
  const zip = new yazl.ZipFile();
  // A fixed time keeps two builds of the same options byte-identical.
  const mtime = new Date("2024-01-01T00:00:00Z");
  if (!options.omitManifest) {
    zip.addBuffer(Buffer.from(JSON.stringify(pluginManifest(options), null, 2)), "manifest.json", { mtime });
  }
  const entry = options.entryPoint ?? "index.mjs";
  zip.addBuffer(Buffer.from(options.source ?? pluginSource(pluginType, version)), entry, { mtime });
  for (const [path, content] of Object.entries(options.files ?? {})) {
    zip.addBuffer(typeof content === "string" ? Buffer.from(content) : Buffer.from(content), path, { mtime });
  }
  if (options.paddingBytes && options.paddingBytes > 0) {
    zip.addBuffer(randomBytes(options.paddingBytes), "padding.bin", { mtime, compress: false });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  let bytes: Buffer = Buffer.concat(chunks);
  for (const [from, to] of Object.entries(options.rawNames ?? {})) bytes = renameEntry(bytes, from, to);
  return bytes;
}

/** Replaces every occurrence of an entry name (local header and central directory). */
function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  if (a.length !== b.length)
    throw new Error(`rawNames: "${from}" and "${to}" must have the same length in bytes`);
  const out = Buffer.from(zip);
  let found = 0;
  for (let at = out.indexOf(a); at !== -1; at = out.indexOf(a, at + a.length)) {
    b.copy(out, at);
    found += 1;
  }
  if (found < 2) throw new Error(`rawNames: entry "${from}" not found in the archive`);
  return out;
}
