import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError, type ObjectStore, type PutResult } from "@arcade/core";
import busboy from "busboy";
import type { Context } from "hono";

export interface UploadedFile extends PutResult {
  fileName: string;
}

export interface MultipartUpload {
  fields: Record<string, string>;
  file: UploadedFile | null;
}

export interface MultipartOptions {
  store: ObjectStore;
  /** Where the file part is staged. */
  key: string;
  maxBytes: number;
  fileField?: string;
}

const MAX_FIELDS = 20;
const MAX_FIELD_BYTES = 1024 * 1024;
/** Room for the multipart framing and small fields around the file. */
const FRAMING_ALLOWANCE = MAX_FIELD_BYTES + 64 * 1024;

/**
 * Streams a multipart/form-data body: the one file part goes straight into
 * the object store (hashed and counted on the way, refused the moment it
 * passes maxBytes); the small text fields are collected. Nothing is buffered
 * whole, and on any failure nothing stays staged.
 */
export async function readMultipartUpload(c: Context, options: MultipartOptions): Promise<MultipartUpload> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send the plugin as multipart/form-data", {
      detail: 'e.g. curl -F source=local -F "file=@plugin.zip" ...',
    });
  }
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > options.maxBytes + FRAMING_ALLOWANCE) {
    throw tooLarge(options.maxBytes);
  }
  const body = c.req.raw.body;
  if (!body) throw new AppError("MALFORMED_MULTIPART", "the request has no body");
  const fileField = options.fileField ?? "file";

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      limits: { files: 1, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: MAX_FIELDS + 1 },
    });
  } catch (error) {
    throw new AppError("MALFORMED_MULTIPART", `malformed multipart header: ${(error as Error).message}`);
  }

  const fields: Record<string, string> = {};
  let filePut: Promise<UploadedFile> | null = null;
  let failure: AppError | null = null;
  const source = Readable.fromWeb(body as unknown as WebReadableStream);

  const done = new Promise<void>((resolve) => {
    const stop = (error: AppError) => {
      failure ??= error;
      source.unpipe(parser);
      source.destroy();
      resolve();
    };
    parser.on("field", (name, value, info) => {
      if (info.valueTruncated) return stop(new AppError("PAYLOAD_TOO_LARGE", `field ${name} is too large`));
      if (Object.hasOwn(fields, name))
        return stop(new AppError("MALFORMED_MULTIPART", `field ${name} is repeated`));
      fields[name] = value;
    });
    parser.on("file", (name, stream, info) => {
      if (name !== fileField || filePut) {
        stream.resume();
        return stop(
          new AppError("MALFORMED_MULTIPART", `unexpected file field "${name}"`, {
            detail: `Send exactly one file, in the field "${fileField}".`,
          }),
        );
      }
      const fileName = info.filename ?? "upload";
      filePut = options.store
        .put(options.key, stream, { maxBytes: options.maxBytes, contentType: "application/octet-stream" })
        .then((put) => ({ ...put, fileName }));
      filePut.catch((error: unknown) => {
        stream.resume();
        stop(
          error instanceof AppError && error.code === "PAYLOAD_TOO_LARGE"
            ? tooLarge(options.maxBytes)
            : error instanceof AppError
              ? error
              : new AppError("INTERNAL", String(error)),
        );
      });
    });
    parser.on("filesLimit", () => stop(new AppError("MALFORMED_MULTIPART", "send exactly one file")));
    parser.on("fieldsLimit", () => stop(new AppError("MALFORMED_MULTIPART", "too many form fields")));
    parser.on("partsLimit", () => stop(new AppError("MALFORMED_MULTIPART", "too many form parts")));
    parser.on("error", (error: Error) =>
      stop(new AppError("MALFORMED_MULTIPART", `malformed multipart body: ${error.message}`)),
    );
    parser.on("close", () => resolve());
    source.on("error", () => stop(new AppError("MALFORMED_MULTIPART", "the upload was interrupted")));
    source.pipe(parser);
  });

  await done;
  let file: UploadedFile | null = null;
  if (filePut) {
    try {
      file = await filePut;
    } catch (error) {
      failure ??= error instanceof AppError ? error : new AppError("INTERNAL", String(error));
    }
  }
  if (failure) {
    await options.store.delete(options.key).catch(() => {});
    throw failure;
  }
  return { fields, file };
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the plugin is larger than the limit of ${maxBytes} bytes`, {
    detail: "Make the plugin smaller, or raise plugin.max_plugin_size (ARCADE_PLUGIN_MAX_PLUGIN_SIZE).",
    extras: { limit: maxBytes },
  });
}
