import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileChunks, fileSize, type ProgressFn, pullStream, type StreamBody } from "./stream-body.js";

export interface FilePart {
  field: string;
  path: string;
  /** Defaults to the file's base name. */
  fileName?: string;
  contentType?: string;
}

export interface MultipartBody extends StreamBody {
  boundary: string;
}

const CRLF = "\r\n";

/**
 * multipart/form-data as a stream: the text fields and the file part's header
 * (small, built up front), the file itself read chunk by chunk, the closing
 * boundary. The length is the sum of the three, known before sending.
 */
export async function multipartBody(
  fields: Record<string, string>,
  file?: FilePart,
  onProgress?: ProgressFn,
): Promise<MultipartBody> {
  const boundary = `----arcade-cli-${randomBytes(16).toString("hex")}`;
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    if (value.includes(boundary)) throw new Error(`field ${name} contains the multipart boundary`);
    head += `--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(name)}"${CRLF}${CRLF}${value}${CRLF}`;
  }
  let size = 0;
  if (file) {
    size = await fileSize(file.path);
    const fileName = file.fileName ?? path.basename(file.path);
    head +=
      `--${boundary}${CRLF}` +
      `Content-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(fileName)}"${CRLF}` +
      `Content-Type: ${file.contentType ?? contentTypeOf(fileName)}${CRLF}${CRLF}`;
  }
  const headBytes = Buffer.from(head, "utf8");
  const tailBytes = Buffer.from(`${file ? CRLF : ""}--${boundary}--${CRLF}`, "utf8");

  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield headBytes;
    if (file) yield* fileChunks(file.path, size);
    yield tailBytes;
  }

  return {
    boundary,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: headBytes.length + size + tailBytes.length,
    stream: pullStream(chunks(), onProgress),
  };
}

/** Quoting of names in Content-Disposition as browsers do it (WHATWG HTML form encoding). */
function quote(value: string): string {
  return value.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
}

function contentTypeOf(fileName: string): string {
  if (/\.zip$/i.test(fileName)) return "application/zip";
  if (/\.m?js$/i.test(fileName)) return "text/javascript";
  return "application/octet-stream";
}
