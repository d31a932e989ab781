import type { ObjectStore, PutResult } from "@arcade/core";
import type { Context } from "hono";
import { readMultipart } from "./multipart-reader.js";

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

/**
 * A multipart plugin upload: the file part streams straight into the object
 * store under `key` (hashed and counted on the way, refused the moment it
 * passes maxBytes). On any failure nothing stays staged.
 */
export function readMultipartUpload(c: Context, options: MultipartOptions): Promise<MultipartUpload> {
  return readMultipart<UploadedFile>(c, {
    maxFileBytes: options.maxBytes,
    ...(options.fileField ? { fileField: options.fileField } : {}),
    receiveFile: async ({ stream, fileName }) => {
      const put = await options.store.put(options.key, stream, {
        maxBytes: options.maxBytes,
        contentType: "application/octet-stream",
      });
      return { ...put, fileName };
    },
    discardFile: () => options.store.delete(options.key),
  });
}
