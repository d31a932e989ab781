import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

/** A request body fetch can stream, with the length the Content-Length header needs. */
export interface StreamBody {
  stream: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength: number;
}

/** Called with the running total of bytes handed to the socket. */
export type ProgressFn = (sent: number) => void;

/**
 * Wraps chunks as a pull-based web stream: a chunk is produced only when fetch
 * asks for the next one, so at most a chunk or two of the file is in memory
 * however large it is (Readable.toWeb buffers ahead on some Node versions).
 */
export function pullStream(
  chunks: AsyncIterable<Uint8Array>,
  onProgress?: ProgressFn,
): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) {
          controller.close();
          return;
        }
        sent += next.value.byteLength;
        controller.enqueue(next.value);
        onProgress?.(sent);
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Size of a regular file, with an error that names it when it is missing or a folder. */
export async function fileSize(file: string): Promise<number> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === "ENOENT" ? `${file} does not exist` : `cannot read ${file}: ${error.message}`,
    );
  });
  if (!info.isFile()) throw new Error(`${file} is not a file`);
  return info.size;
}

/** Exactly `size` bytes of the file, streamed; an error if the file shrank meanwhile. */
export async function* fileChunks(file: string, size: number): AsyncGenerator<Uint8Array> {
  if (size === 0) return;
  let read = 0;
  for await (const chunk of createReadStream(file, { start: 0, end: size - 1, highWaterMark: 64 * 1024 })) {
    read += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (read !== size)
    throw new Error(`${file} changed while it was being uploaded (${read} of ${size} bytes)`);
}

/** A whole file as a raw body (validate <zip>). */
export async function fileBody(
  file: string,
  contentType: string,
  onProgress?: ProgressFn,
): Promise<StreamBody> {
  const size = await fileSize(file);
  return { stream: pullStream(fileChunks(file, size), onProgress), contentType, contentLength: size };
}
