import { Buffer } from "node:buffer";
import { ZipFile } from "yazl";

export interface ZipInput {
  name: string;
  data: Buffer;
}

/**
 * 1980-01-01 00:00, built from local-time fields because the DOS timestamp in
 * a zip is local time: this way every machine writes the same bytes. The
 * extended (UTC) timestamp field is left out for the same reason.
 */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;

/** The same inputs in the same order always give the same bytes (and so the same SHA-256). */
export function buildZip(inputs: readonly ZipInput[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const input of inputs) {
    zip.addBuffer(input.data, input.name, {
      mtime: FIXED_MTIME,
      mode: FILE_MODE,
      compress: true,
      forceDosTimestamp: true,
    });
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on("error", reject);
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}
