export {
  type CacheLogger,
  COMPLETE_MARKER,
  type ExtractArchive,
  FsArtifactCache,
  type FsArtifactCacheOptions,
} from "./cache/fs-artifact-cache.js";
export { createObjectStore, type ObjectStoreOptions } from "./create-object-store.js";
export { classifyFsError } from "./fs/classify-fs-error.js";
export { FsObjectStore, type FsObjectStoreOptions } from "./fs/fs-object-store.js";
export { assertValidKey, assertValidPrefix } from "./object-key.js";
export { classifyS3Error, type S3ErrorContext } from "./s3/classify-s3-error.js";
export { S3ObjectStore, type S3ObjectStoreOptions } from "./s3/s3-object-store.js";
