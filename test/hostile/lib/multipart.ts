/** One part of a hand-made multipart/form-data body. */
export interface Part {
  name: string;
  value: string | Buffer;
  /** Makes it a file part. */
  filename?: string;
  contentType?: string;
  /** Raw header lines of the part, replacing the generated ones (for malformed parts). */
  rawHeaders?: string;
}

export interface MultipartOptions {
  boundary?: string;
  /** Leave out the closing `--boundary--` (an unterminated body). */
  unterminated?: boolean;
}

export const BOUNDARY = "----hostile-boundary-7f3a";

/**
 * A multipart/form-data body built byte by byte, so a case controls the framing that
 * FormData would always get right.
 */
export function multipart(parts: readonly Part[], options: MultipartOptions = {}): Buffer {
  const boundary = options.boundary ?? BOUNDARY;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const headers =
      part.rawHeaders ??
      `Content-Disposition: form-data; name="${part.name}"` +
        (part.filename !== undefined ? `; filename="${part.filename}"` : "") +
        "\r\n" +
        (part.filename !== undefined ? `Content-Type: ${part.contentType ?? "application/zip"}\r\n` : "");
    chunks.push(Buffer.from(`--${boundary}\r\n${headers}\r\n`), Buffer.from(part.value), Buffer.from("\r\n"));
  }
  if (!options.unterminated) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export function multipartType(boundary = BOUNDARY): string {
  return `multipart/form-data; boundary=${boundary}`;
}
