import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError } from "@arcade/core";
import { Busboy, type BusboyInstance } from "@fastify/busboy";
import type { Context } from "hono";

export interface FilePart {
  stream: Readable;
  fileName: string;
}

export interface MultipartReadOptions<T> {
  /** Largest file part; also bounds a declared Content-Length (plus the field allowance). */
  maxFileBytes: number;
  /** The one field that may carry a file. Default "file". */
  fileField?: string;
  /**
   * Consumes the file part. Must settle once the stream ends or is destroyed
   * (it is destroyed when the request fails midway), and reject with
   * PAYLOAD_TOO_LARGE as soon as the part passes maxFileBytes.
   */
  receiveFile(part: FilePart): Promise<T>;
  /** Undoes receiveFile after a failure; called only when receiveFile was. */
  discardFile(): Promise<void>;
}

export interface MultipartResult<T> {
  fields: Record<string, string>;
  file: T | null;
}

const MAX_FIELDS = 20;
/** RFC 2046 section 5.1.1. */
const MAX_BOUNDARY_LENGTH = 70;
const MAX_FIELD_BYTES = 1024 * 1024;
/** All text fields together; a manifest is the only big one. */
const MAX_TOTAL_FIELD_BYTES = MAX_FIELD_BYTES + 64 * 1024;
/** Room for the multipart framing and the text fields around the file. */
const FRAMING_ALLOWANCE = MAX_TOTAL_FIELD_BYTES + 64 * 1024;

/**
 * Streams a multipart/form-data body: the one file part goes to receiveFile
 * as it arrives, the small text fields are collected. Nothing is buffered
 * whole. On any failure — malformed body, a limit passed, the client gone —
 * the parser is destroyed (which ends the file part, so receiveFile settles
 * instead of waiting forever for bytes that will not come), then discardFile
 * runs, then the error is thrown.
 */
export async function readMultipart<T>(
  c: Context,
  options: MultipartReadOptions<T>,
): Promise<MultipartResult<T>> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send the plugin as multipart/form-data", {
      detail: 'e.g. curl -F source=local -F "file=@plugin.zip" ...',
    });
  }
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > options.maxFileBytes + FRAMING_ALLOWANCE) {
    throw tooLarge(options.maxFileBytes);
  }
  const body = c.req.raw.body;
  if (!body) throw new AppError("MALFORMED_MULTIPART", "the request has no body");
  const fileField = options.fileField ?? "file";
  // The parser takes a boundary of any length; RFC 2046 allows 1-70 characters, and no client
  // sends more. A longer one is a malformed request, not something to search every chunk for.
  const boundary = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  if ((boundary?.[1] ?? boundary?.[2] ?? "").length > MAX_BOUNDARY_LENGTH) {
    throw new AppError(
      "MALFORMED_MULTIPART",
      `the multipart boundary is longer than ${MAX_BOUNDARY_LENGTH} characters`,
    );
  }

  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: { "content-type": contentType },
      limits: { files: 1, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: MAX_FIELDS + 1 },
    });
  } catch (error) {
    throw new AppError("MALFORMED_MULTIPART", `malformed multipart header: ${(error as Error).message}`);
  }

  const fields: Record<string, string> = {};
  let fieldBytes = 0;
  let received: Promise<T> | null = null;
  let failure: AppError | null = null;
  const source = Readable.fromWeb(body as unknown as WebReadableStream);

  await new Promise<void>((resolve) => {
    // The file part being read, if any: destroying the parser does not end it (@fastify/busboy
    // leaves its part streams open), and receiveFile waits for it to end or fail.
    let filePart: Readable | null = null;
    const stop = (error: AppError) => {
      failure ??= error;
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
      filePart?.destroy(new Error(error.message));
      resolve();
    };
    parser.on("field", (name, value, _nameTruncated, valueTruncated) => {
      if (failure) return;
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (valueTruncated || fieldBytes > MAX_TOTAL_FIELD_BYTES) {
        return stop(new AppError("PAYLOAD_TOO_LARGE", `field ${name.slice(0, 100)} is too large`));
      }
      if (Object.hasOwn(fields, name)) {
        return stop(new AppError("MALFORMED_MULTIPART", `field ${name.slice(0, 100)} is repeated`));
      }
      fields[name] = value;
    });
    parser.on("file", (name, stream, filename) => {
      // Destroying the parser destroys this stream with an error; unheard, that
      // error would be an uncaught exception and take the process down. The
      // failure itself reaches us through the parser or receiveFile.
      stream.on("error", () => {});
      if (failure || name !== fileField || received) {
        stream.resume();
        if (failure) return;
        return stop(
          new AppError("MALFORMED_MULTIPART", `unexpected file field "${name.slice(0, 100)}"`, {
            detail: `Send exactly one file, in the field "${fileField}".`,
          }),
        );
      }
      filePart = stream;
      received = options.receiveFile({ stream, fileName: filename || "upload" });
      received.catch((error: unknown) => {
        stream.resume();
        stop(asAppError(error, options.maxFileBytes));
      });
    });
    parser.on("filesLimit", () => stop(new AppError("MALFORMED_MULTIPART", "send exactly one file")));
    parser.on("fieldsLimit", () => stop(new AppError("MALFORMED_MULTIPART", "too many form fields")));
    parser.on("partsLimit", () => stop(new AppError("MALFORMED_MULTIPART", "too many form parts")));
    parser.on("error", (error: unknown) =>
      stop(new AppError("MALFORMED_MULTIPART", `malformed multipart body: ${(error as Error).message}`)),
    );
    parser.on("finish", () => resolve());
    source.on("error", () => stop(new AppError("MALFORMED_MULTIPART", "the upload was interrupted")));
    source.pipe(parser);
  });

  let file: T | null = null;
  if (received) {
    try {
      file = await received;
    } catch (error) {
      failure ??= asAppError(error, options.maxFileBytes);
    }
  }
  if (failure) {
    if (received) await options.discardFile().catch(() => {});
    throw failure;
  }
  return { fields, file };
}

function asAppError(error: unknown, maxBytes: number): AppError {
  if (error instanceof AppError) return error.code === "PAYLOAD_TOO_LARGE" ? tooLarge(maxBytes) : error;
  return new AppError("INTERNAL", `the upload could not be stored: ${String(error)}`, { cause: error });
}

export function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the plugin is larger than the limit of ${maxBytes} bytes`, {
    detail: "Make the plugin smaller, or raise plugin.max_plugin_size (ARCADE_PLUGIN_MAX_PLUGIN_SIZE).",
    extras: { limit: maxBytes },
  });
}
