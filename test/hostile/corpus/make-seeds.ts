/**
 * Writes the seed files of the hostile-input corpus (this folder). They are committed, so a
 * fuzz run is reproducible from the repository alone; run this only to change them:
 *
 *   pnpm exec tsx test/hostile/corpus/make-seeds.ts && pnpm exec biome check --write test/hostile/corpus
 *
 * Seeds are small valid plugins in the shapes a zip can take (deflated, stored, zip64 end
 * records, data descriptors written by a streaming zipper) plus two valid manifests; the suites
 * and the fuzzers derive every hostile variant from them.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import yazl from "yazl";
import { pluginSource } from "../../harness/plugin-zip.js";
import { writeZip } from "../lib/zip-writer.js";

const HERE = import.meta.dirname;

const MINIMAL = { name: "corpus-seed", version: "1.0.0", pluginType: "custom", entryPoint: "index.mjs" };

const FULL = {
  name: "corpus-seed-full",
  version: "1.2.3-rc.1+build.5",
  description: "every manifest field, for the fuzzers to mutate",
  author: "arcade tests",
  homepage: "https://example.com/plugin",
  repository: "https://example.com/plugin.git",
  documentation: "https://example.com/plugin/docs",
  pluginType: "notify",
  entryPoint: "./lib/main.mjs",
  dependencies: [{ name: "other-plugin", version: "^1.0.0 || >=2.1.0 <3" }],
  configSchema: {
    type: "object",
    additionalProperties: false,
    required: ["url"],
    properties: {
      url: { type: "string", format: "uri", maxLength: 500 },
      retries: { type: "integer", minimum: 0, maximum: 10, default: 3 },
      channels: { type: "array", items: { type: "string", pattern: "^#[a-z0-9-]+$" }, maxItems: 20 },
    },
  },
  paramsSchema: { type: "object", properties: { message: { type: "string", maxLength: 1000 } } },
  defaultConfig: { url: "https://hooks.example.com/x", retries: 2, channels: ["#ops"] },
  icon: "data:image/svg+xml;base64,PHN2Zy8+",
  tags: ["notify", "seed"],
  minVersion: "0.1.0",
  resources: { cpu: "250m", memory: "64Mi", disk: "10Mi" },
};

function seedEntries(manifest: Record<string, unknown>, entry: string) {
  return [
    { name: "manifest.json", data: JSON.stringify(manifest, null, 2) },
    { name: "lib/", data: "" },
    { name: entry, data: pluginSource(manifest.pluginType as "custom", String(manifest.version)) },
    { name: "lib/util.mjs", data: "export const twice = (s) => s + s;\n".repeat(8) },
  ];
}

async function yazlStreamed(entries: { name: string; data: string }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date("2024-01-01T00:00:00Z");
  for (const e of entries) {
    if (e.name.endsWith("/")) zip.addEmptyDirectory(e.name, { mtime });
    // A stream of unknown length: yazl sets bit 3 and writes a data descriptor after the data.
    else zip.addReadStream(Readable.from([Buffer.from(e.data)]), e.name, { mtime });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const minimal = seedEntries(MINIMAL, "index.mjs");
const full = seedEntries(FULL, "lib/main.mjs");
const files: Record<string, Buffer | string> = {
  "seed-deflate.zip": writeZip(minimal),
  "seed-stored.zip": writeZip(minimal.map((e) => ({ ...e, method: 0 }))),
  "seed-zip64.zip": writeZip(full, { zip64: true }),
  "seed-descriptor.zip": await yazlStreamed(full),
  "manifest-minimal.json": `${JSON.stringify(MINIMAL, null, 2)}\n`,
  "manifest-full.json": `${JSON.stringify(FULL, null, 2)}\n`,
};
for (const [name, content] of Object.entries(files)) {
  await writeFile(join(HERE, name), content);
  process.stdout.write(`wrote ${name} (${Buffer.byteLength(content)} bytes)\n`);
}
