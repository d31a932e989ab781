import { PassThrough, type Readable } from "node:stream";

/**
 * Returns a stream with the bytes of `source` whose errors are passed through
 * `mapError` first, so a body that fails half-way (socket reset, EIO) reaches
 * the caller as the same AppError a failed call would give. Destroying the
 * returned stream releases the source (file handle, HTTP socket).
 */
export function mapStreamErrors(source: Readable, mapError: (error: unknown) => Error): Readable {
  const out = new PassThrough();
  source.on("error", (error) => out.destroy(mapError(error)));
  out.on("close", () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(out);
  return out;
}
