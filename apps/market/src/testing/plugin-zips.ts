import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import yazl from "yazl";

export interface PluginZipSpec {
  name: string;
  version: string;
  minVersion?: string;
  description?: string;
  tags?: string[];
  dependencies?: { name: string; version: string }[];
  /** Padding so a test can make an artifact as large as it needs. */
  padding?: number;
}

/** A valid custom-type plugin zip (manifest.json + index.js), in memory. */
export async function pluginZip(spec: PluginZipSpec): Promise<Buffer> {
  const manifest = {
    name: spec.name,
    version: spec.version,
    pluginType: "custom",
    entryPoint: "index.js",
    description: spec.description ?? `${spec.name} for tests`,
    ...(spec.minVersion ? { minVersion: spec.minVersion } : {}),
    ...(spec.tags ? { tags: spec.tags } : {}),
    ...(spec.dependencies ? { dependencies: spec.dependencies } : {}),
  };
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), "manifest.json", { mtime: new Date(0) });
  const code = `export default { actions: { async execute() { return { version: "${spec.version}" }; } } };\n`;
  zip.addBuffer(Buffer.from(code), "index.js", { mtime: new Date(0) });
  if (spec.padding) {
    // Random bytes stored uncompressed, so the zip really grows by that much.
    const bytes = Buffer.from(Array.from({ length: spec.padding }, () => Math.floor(Math.random() * 256)));
    zip.addBuffer(bytes, "padding.bin", { mtime: new Date(0), compress: false });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes `<name>-<version>.zip` into `dir`; returns its path. */
export async function writePluginZip(dir: string, spec: PluginZipSpec): Promise<string> {
  const file = join(dir, `${spec.name}-${spec.version}.zip`);
  await writeFile(file, await pluginZip(spec));
  return file;
}
