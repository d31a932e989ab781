import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { type FailedCheck, Sha256Stream } from "@arcade/archive";
import { AppError, isAppError } from "@arcade/core";
import { describeFault, type HttpOptions, marketGet, Watchdog } from "./market-http.js";
import { TransientFault } from "./retry.js";

export interface ExpectedArtifact {
  marketId: string;
  version: string;
  size: number;
  sha256: string;
}

function tooLarge(size: number, maxSize: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the artifact is ${size} bytes, over the limit of ${maxSize}`, {
    detail: "Raise plugin.max_plugin_size if the plugin is really this large.",
    extras: { size, maxSize },
  });
}

function sizeMismatch(got: number | string, expected: number): AppError {
  return new AppError("SIZE_MISMATCH", `the market sent ${got} bytes; its catalog says ${expected}`, {
    detail: "The artifact does not match the catalog: the market is serving something else than it lists.",
  });
}

/** The market's wording of a failed check of the download's Sha256Stream. */
function describeCheck(check: FailedCheck, expected: ExpectedArtifact): AppError {
  switch (check.code) {
    case "PAYLOAD_TOO_LARGE":
      return tooLarge(check.bytes, check.maxBytes);
    case "SIZE_MISMATCH":
      return sizeMismatch(check.ended ? check.bytes : `more than ${check.expectedSize}`, check.expectedSize);
    case "CHECKSUM_MISMATCH":
      return new AppError(
        "CHECKSUM_MISMATCH",
        `the downloaded artifact's SHA-256 is ${check.sha256}; the market's catalog says ${expected.sha256}`,
        {
          detail: "The artifact was changed or corrupted after it was published: it is not installed.",
          extras: { marketId: expected.marketId, version: expected.version },
        },
      );
  }
}

/**
 * One download attempt of `url` into `destPath` (replaced if it exists),
 * streaming, size-limited, with the SHA-256 computed on the way and compared with
 * the catalog's. Connection faults are TransientFault; a mismatch is an AppError
 * (SIZE_MISMATCH, CHECKSUM_MISMATCH, PAYLOAD_TOO_LARGE) that no retry can fix.
 * The file is removed when the attempt fails.
 */
export async function downloadArtifact(
  url: URL,
  destPath: string,
  expected: ExpectedArtifact,
  maxSize: number,
  http: HttpOptions,
): Promise<void> {
  if (expected.size > maxSize) throw tooLarge(expected.size, maxSize);
  const watchdog = new Watchdog(http.timeoutMs);
  try {
    const response = await marketGet(url, http, watchdog, "application/zip, application/octet-stream");
    if (response.status === 404) {
      await response.body?.cancel().catch(() => {});
      throw new AppError(
        "MARKET_PLUGIN_NOT_FOUND",
        `the market lists ${expected.marketId} ${expected.version} but has no artifact for it`,
        { extras: { marketId: expected.marketId, version: expected.version } },
      );
    }
    const declared = response.headers.get("content-length");
    if (declared !== null && /^\d+$/.test(declared)) {
      const length = Number(declared);
      if (length > maxSize) {
        await response.body?.cancel().catch(() => {});
        throw tooLarge(length, maxSize);
      }
      if (length !== expected.size) {
        await response.body?.cancel().catch(() => {});
        throw sizeMismatch(length, expected.size);
      }
    }
    if (!response.body) throw new TransientFault(`GET ${url.pathname} answered without a body`);
    // Counts and hashes what flows through, and stops the download as soon as it passes the
    // size limit or the catalog's size: an oversized artifact never fills the disk. The size
    // and SHA-256 are compared with the catalog's before the stream ends.
    const guard = new Sha256Stream({
      maxBytes: maxSize,
      expectedSize: expected.size,
      expectedSha256: expected.sha256,
      describe: (check) => describeCheck(check, expected),
      onChunk: () => watchdog.touch(),
    });
    const file = createWriteStream(destPath);
    let localFault: unknown = null;
    file.once("error", (error: NodeJS.ErrnoException) => {
      // pipeline also hands the source's fault to the file stream (Node 26 emits it there):
      // only an error of the file system call itself is ours.
      if (error.syscall !== undefined) localFault = error;
    });
    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), guard, file);
    } catch (error) {
      if (isAppError(error)) throw error;
      // A fault of our own disk (ENOSPC, EACCES) is not the market's and is thrown as it is.
      if (localFault) throw localFault;
      throw new TransientFault(`download of ${url.pathname} broke off: ${describeFault(error)}`, {
        cause: error,
      });
    }
  } catch (error) {
    await rm(destPath, { force: true }).catch(() => {});
    throw error;
  } finally {
    watchdog.stop();
  }
}
