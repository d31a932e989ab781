import type { Readable } from "node:stream";

export interface ObjectInfo {
  key: string;
  size: number;
  /** Lowercase hex SHA-256 from the object's metadata, when it was stored with one. */
  sha256: string | null;
  lastModified: Date | null;
}

export interface PutOptions {
  /** Expected SHA-256: stored as metadata and checked while streaming (mismatch: CHECKSUM_MISMATCH, nothing kept). */
  sha256?: string;
  /** Expected size in bytes, when known (mismatch: SIZE_MISMATCH, nothing kept). */
  size?: number;
  /** Reject the body as soon as it passes this many bytes (PAYLOAD_TOO_LARGE, nothing kept). */
  maxBytes?: number;
  contentType?: string;
}

export interface PutResult {
  key: string;
  size: number;
  sha256: string;
}

/**
 * Object store port (S3 or filesystem). Bodies are streams: no implementation
 * holds a whole artifact in memory. Failures are AppErrors:
 * OBJECT_NOT_FOUND, STORAGE_ACCESS_DENIED, or STORAGE_UNAVAILABLE (transient, retryable).
 */
export interface ObjectStore {
  put(key: string, body: Readable, options?: PutOptions): Promise<PutResult>;
  get(key: string): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Returns how many objects were deleted. */
  deleteByPrefix(prefix: string): Promise<number>;
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
}
