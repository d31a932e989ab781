import { pipeline, Readable } from "node:stream";
import { Sha256Stream } from "@arcade/archive";
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from "@arcade/core";
import { AppError } from "@arcade/core";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  type ListObjectsCommandOutput,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { mapStreamErrors } from "../map-stream-errors.js";
import { assertValidKey, assertValidPrefix } from "../object-key.js";
import { classifyS3Error } from "./classify-s3-error.js";
import { isBatchDeleteUnsupported } from "./is-batch-delete-unsupported.js";

const MIB = 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface S3ObjectStoreOptions {
  /** Custom endpoint (MinIO, s3rver, ...); omit for AWS. */
  endpoint?: string | undefined;
  region: string;
  bucket: string;
  /** Omit both to use the SDK's default credential chain (env, profile, instance role). */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  sessionToken?: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`): needed for s3rver and MinIO. Default false. */
  forcePathStyle?: boolean | undefined;
  /** Prepended to every key (a `/` is added when missing). Default "". */
  keyPrefix?: string | undefined;
  /** Multipart part size. Default 8 MiB (S3's minimum is 5 MiB). */
  partSize?: number | undefined;
  /** Parts uploaded in parallel. Default 2. */
  queueSize?: number | undefined;
  /** Default 3000. */
  connectionTimeoutMs?: number | undefined;
  /** Time until response headers, including sending one part. Default 60000. */
  requestTimeoutMs?: number | undefined;
  /** Socket inactivity, also while a body streams. Default 30000. */
  socketTimeoutMs?: number | undefined;
  /** Attempts per request by the SDK itself. Default 2: the job layer retries on top. */
  maxAttempts?: number | undefined;
}

/**
 * ObjectStore on S3 or an S3-compatible server.
 *
 * Memory: lib-storage holds about (queueSize + 2) * partSize bytes during a
 * put (the parts in flight, the part being filled, and the copy it makes when
 * it cuts a part): 32 MiB with the defaults, about 40 MiB RSS measured,
 * whatever the object size. A get hands the HTTP response stream on unbuffered.
 *
 * A failed check (size, checksum, limit) errors the body stream before it
 * ends, so lib-storage never sends the last part or completes the multipart
 * upload: nothing new is stored and an object already at that key is kept.
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly keyPrefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  /** Set once the server rejected DeleteObjects; later prefix deletes go key by key. */
  private batchDeleteUnsupported = false;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    const prefix = options.keyPrefix ?? "";
    this.keyPrefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    if (this.keyPrefix !== "") assertValidPrefix(this.keyPrefix, { allowEmpty: false });
    this.partSize = options.partSize ?? 8 * MIB;
    this.queueSize = options.queueSize ?? 2;
    const credentials =
      options.accessKeyId !== undefined && options.secretAccessKey !== undefined
        ? {
            accessKeyId: options.accessKeyId,
            secretAccessKey: options.secretAccessKey,
            ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }),
          }
        : undefined;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(credentials === undefined ? {} : { credentials }),
      // The SDK's default (WHEN_SUPPORTED) sends streamed bodies aws-chunked with
      // a trailing CRC; s3rver and some other S3-compatible servers then store the
      // framing itself and hand back corrupted bytes without any error.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: options.maxAttempts ?? 2,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 3000,
        requestTimeout: options.requestTimeoutMs ?? 60_000,
        throwOnRequestTimeout: true,
        socketTimeout: options.socketTimeoutMs ?? 30_000,
      },
    });
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    const hasher = new Sha256Stream({
      expectedSha256: options.sha256,
      expectedSize: options.size,
      maxBytes: options.maxBytes,
    });
    let bodyError: unknown = null;
    body.once("error", (error) => {
      bodyError = error;
    });
    // Errors surface through the uploader reading `hasher`; the callback only
    // keeps pipeline from reporting them as unhandled.
    pipeline(body, hasher, () => {});
    const sha256 = options.sha256?.toLowerCase();
    const upload = new Upload({
      client: this.client,
      queueSize: this.queueSize,
      partSize: this.partSize,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: this.fullKey(key),
        Body: hasher,
        ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
        // Known before the first byte goes out, so it can travel as metadata; a
        // digest computed on the way is returned instead (callers keep it in the DB).
        ...(sha256 === undefined ? {} : { Metadata: { sha256 } }),
      },
    });
    try {
      await upload.done();
    } catch (error) {
      hasher.destroy();
      if (hasher.failure !== null) throw hasher.failure;
      if (bodyError !== null) throw bodyError;
      throw classifyS3Error(error, { operation: "put", bucket: this.bucket, key });
    }
    return { key, size: hasher.byteCount, sha256: hasher.sha256 };
  }

  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    const context = { operation: "get", bucket: this.bucket, key };
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      const body = result.Body;
      if (!(body instanceof Readable)) {
        throw new AppError("INTERNAL", `S3 get of ${key} returned a body that is not a Node stream`);
      }
      return mapStreamErrors(body, (error) => classifyS3Error(error, context));
    } catch (error) {
      throw classifyS3Error(error, context);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    try {
      const result = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      const sha256 = result.Metadata?.sha256?.toLowerCase() ?? null;
      return {
        key,
        size: result.ContentLength ?? 0,
        sha256: sha256 !== null && SHA256_HEX.test(sha256) ? sha256 : null,
        lastModified: result.LastModified ?? null,
      };
    } catch (error) {
      const classified = classifyS3Error(error, { operation: "head", bucket: this.bucket, key });
      if (classified.code === "OBJECT_NOT_FOUND") return null;
      throw classified;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (error) {
      const classified = classifyS3Error(error, { operation: "delete", bucket: this.bucket, key });
      if (classified.code !== "OBJECT_NOT_FOUND") throw classified;
    }
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix, { allowEmpty: false });
    let deleted = 0;
    for await (const page of this.pages(prefix, "deleteByPrefix")) {
      if (page.length > 0) deleted += await this.deleteBatch(page);
    }
    return deleted;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertValidPrefix(prefix, { allowEmpty: true });
    const infos: ObjectInfo[] = [];
    for await (const page of this.pages(prefix, "list")) {
      for (const entry of page) {
        // A listing carries no user metadata; reading it would cost a HEAD per object.
        infos.push({ key: entry.key, size: entry.size, sha256: null, lastModified: entry.lastModified });
      }
    }
    return infos.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw classifyS3Error(error, { operation: "ping", bucket: this.bucket });
    }
  }

  /** Releases the client's sockets (shutdown, tests). */
  close(): void {
    this.client.destroy();
  }

  private fullKey(key: string): string {
    return this.keyPrefix + key;
  }

  /**
   * Listing pages of up to 1000 keys. Uses ListObjects (v1) with `Marker` = the
   * last key seen: every S3-compatible server supports it, while s3rver builds
   * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 18+)
   * refuses, so any truncated V2 listing fails there with InternalError.
   * Markers are positions in key order, so deleting the page just listed does
   * not make the next page skip anything.
   */
  private async *pages(prefix: string, operation: string): AsyncGenerator<ListedObject[]> {
    let marker: string | undefined;
    for (;;) {
      let result: ListObjectsCommandOutput;
      try {
        result = await this.client.send(
          new ListObjectsCommand({
            Bucket: this.bucket,
            Prefix: this.fullKey(prefix),
            MaxKeys: 1000,
            ...(marker === undefined ? {} : { Marker: marker }),
          }),
        );
      } catch (error) {
        throw classifyS3Error(error, { operation, bucket: this.bucket, key: prefix });
      }
      const page: ListedObject[] = [];
      for (const object of result.Contents ?? []) {
        if (object.Key === undefined || !object.Key.startsWith(this.keyPrefix)) continue;
        page.push({
          key: object.Key.slice(this.keyPrefix.length),
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? null,
        });
      }
      yield page;
      const last = result.Contents?.at(-1)?.Key;
      if (!result.IsTruncated || last === undefined) return;
      marker = result.NextMarker ?? last;
    }
  }

  /** Deletes up to 1000 keys; returns how many are gone. */
  private async deleteBatch(page: ListedObject[]): Promise<number> {
    if (!this.batchDeleteUnsupported) {
      try {
        const result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: page.map((entry) => ({ Key: this.fullKey(entry.key) })), Quiet: true },
          }),
        );
        // A key that vanished meanwhile is as good as deleted.
        const failure = result.Errors?.find((entry) => entry.Code !== "NoSuchKey");
        if (failure !== undefined) {
          throw classifyS3Error(
            { name: failure.Code, message: failure.Message ?? "DeleteObjects reported an error" },
            { operation: "deleteByPrefix", bucket: this.bucket, key: failure.Key },
          );
        }
        return page.length;
      } catch (error) {
        if (!isBatchDeleteUnsupported(error)) {
          throw classifyS3Error(error, { operation: "deleteByPrefix", bucket: this.bucket });
        }
        // Some S3-compatible servers lack DeleteObjects or insist on Content-MD5.
        this.batchDeleteUnsupported = true;
      }
    }
    for (const entry of page) await this.delete(entry.key);
    return page.length;
  }
}

interface ListedObject {
  key: string;
  size: number;
  lastModified: Date | null;
}
