import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@arcade/core";
import { tooLarge } from "./multipart-reader.js";

/**
 * Writes a body to a scratch file, refusing it (PAYLOAD_TOO_LARGE) the moment
 * it passes maxBytes. On any failure the file is removed; a body that fails
 * while being read (the client went away) is BAD_REQUEST rather than a 500.
 */
export async function writeScratchFile(body: Readable, path: string, maxBytes: number): Promise<number> {
  let bodyFailed = false;
  body.once("error", () => {
    bodyFailed = true;
  });
  let size = 0;
  try {
    await pipeline(
      body,
      async function* limit(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > maxBytes) throw tooLarge(maxBytes);
          yield chunk;
        }
      },
      createWriteStream(path),
    );
    return size;
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof AppError) throw error;
    if (bodyFailed) throw new AppError("BAD_REQUEST", "the upload was interrupted");
    throw error;
  }
}
