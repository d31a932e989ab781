import yazl from "yazl";

export interface ManifestInput {
  name?: string;
  version?: string;
  [key: string]: unknown;
}

export function manifestOf(input: ManifestInput = {}): Record<string, unknown> {
  return {
    name: "fixture",
    version: "1.0.0",
    pluginType: "custom",
    entryPoint: "index.mjs",
    description: "fixture plugin",
    author: "tests",
    ...input,
  };
}

export const ENTRY_SOURCE = "export default { actions: { async execute() { return { ok: true }; } } };\n";

/** A zip in memory (test artifacts are small). */
export async function makeZip(files: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An installable plugin zip: manifest.json plus its entry module. */
export function pluginZip(manifest: ManifestInput = {}): Promise<Buffer> {
  const full = manifestOf(manifest);
  return makeZip({ "manifest.json": JSON.stringify(full), [String(full.entryPoint)]: ENTRY_SOURCE });
}

export interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body built by hand, so tests control every byte. */
export function multipartBody(
  parts: readonly Part[],
  boundary = "----arcade-test-boundary",
): {
  body: Buffer;
  contentType: string;
} {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ""}`;
    const head =
      `--${boundary}\r\nContent-Disposition: ${disposition}\r\n` +
      (part.filename !== undefined
        ? `Content-Type: ${part.contentType ?? "application/octet-stream"}\r\n`
        : "") +
      "\r\n";
    chunks.push(Buffer.from(head), Buffer.from(part.value), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A web stream of `total` bytes in `chunk`-sized pieces, with no length known up front. */
export function chunkedStream(
  prefix: Buffer,
  total: number,
  suffix: Buffer = Buffer.alloc(0),
  chunk = 16 * 1024,
): ReadableStream<Uint8Array> {
  let sent = 0;
  let stage = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stage === 0) {
        stage = 1;
        controller.enqueue(new Uint8Array(prefix));
        return;
      }
      if (sent < total) {
        const size = Math.min(chunk, total - sent);
        sent += size;
        controller.enqueue(new Uint8Array(size).fill(65));
        return;
      }
      if (suffix.length > 0 && stage === 1) {
        stage = 2;
        controller.enqueue(new Uint8Array(suffix));
        return;
      }
      controller.close();
    },
  });
}
