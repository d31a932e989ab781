/**
 * Test support: plugin archives built in memory with yazl, including the
 * hostile ones yazl refuses to make (rewritten byte for byte afterwards).
 */
import yazl from "yazl";

export type Files = Record<string, string | Buffer>;

export const ENTRY_SOURCE =
  "export default { async init() {}, actions: { async execute() { return { ok: true }; } } };\n";

/** A valid `custom` manifest with a config schema; `extra` overrides or adds fields. */
export function manifestOf(name: string, version: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    version,
    description: `${name} for the worker tests`,
    author: "worker tests",
    pluginType: "custom",
    entryPoint: "index.js",
    configSchema: {
      type: "object",
      properties: { channel: { type: "string" }, level: { type: "integer", minimum: 0 } },
      additionalProperties: false,
    },
    defaultConfig: { channel: "general" },
    ...extra,
  };
}

export async function zipOf(files: Files): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date(2020, 0, 1);
  for (const [name, data] of Object.entries(files)) zip.addBuffer(Buffer.from(data), name, { mtime });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** manifest.json plus its entry point (and any extra files). */
export function pluginZip(manifest: Record<string, unknown>, extra: Files = {}): Promise<Buffer> {
  const entry = String(manifest.entryPoint ?? "index.js");
  return zipOf({ "manifest.json": JSON.stringify(manifest), [entry]: ENTRY_SOURCE, ...extra });
}

/**
 * A valid plugin plus an entry named `../evil.js` (zip slip). yazl refuses the
 * name, so a same-length placeholder is written and replaced in both headers.
 */
export async function zipSlip(manifest: Record<string, unknown>): Promise<Buffer> {
  const placeholder = "zz/evil.js";
  const hostile = "../evil.js";
  const zip = await pluginZip(manifest, { [placeholder]: "export const pwned = true;\n" });
  const from = Buffer.from(placeholder);
  const to = Buffer.from(hostile);
  let replaced = 0;
  for (let at = zip.indexOf(from); at >= 0; at = zip.indexOf(from, at + to.length)) {
    to.copy(zip, at);
    replaced++;
  }
  if (replaced !== 2) throw new Error(`expected the name in 2 headers, found ${replaced}`);
  return zip;
}
