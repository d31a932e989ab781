import { randomBytes } from "node:crypto";

/**
 * A multipart/form-data body as curl -F would send it (source=local + the zip as `file`),
 * built once as bytes so a load generator can replay it without re-encoding per request.
 */
export function multipartUpload(
  zip: Uint8Array,
  fileName: string,
  fields: Record<string, string> = { source: "local" },
): { body: Buffer; contentType: string } {
  const boundary = `----arcade-bench-${randomBytes(8).toString("hex")}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
        "Content-Type: application/zip\r\n\r\n",
    ),
    Buffer.from(zip),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
