import type { ArcadeConfig } from "@arcade/config";
import type { ObjectStoreOptions } from "@arcade/storage";

/**
 * The object store of a loaded configuration with the shared (writer) key: the API's upload
 * staging and the worker, which store and delete artifacts.
 */
export function objectStoreOptions(config: ArcadeConfig): ObjectStoreOptions {
  return storeOptions(config, config.storage.s3AccessKeyId, config.storage.s3SecretAccessKey);
}

/**
 * What a runtime node fetches artifacts with: the same store with `storage.s3_reader_*`, a key
 * that may only read (s3:GetObject), so neither the node nor a plugin that takes it over can
 * change or delete an artifact the other nodes load. Without a reader key the node uses the
 * shared key, and `warning` says so (logged at every start). The filesystem store has no
 * credentials: the node reads the folder the API and worker write (one machine, one user).
 */
export function readerObjectStoreOptions(config: ArcadeConfig): {
  options: ObjectStoreOptions;
  warning: string | null;
} {
  const s = config.storage;
  if (s.type === "s3" && s.s3ReaderAccessKeyId !== undefined && s.s3ReaderSecretAccessKey !== undefined) {
    return { options: storeOptions(config, s.s3ReaderAccessKeyId, s.s3ReaderSecretAccessKey), warning: null };
  }
  return {
    options: objectStoreOptions(config),
    warning:
      s.type === "s3"
        ? "storage.s3_reader_access_key_id is not set: this runtime node fetches artifacts with the shared S3 key, which can also overwrite and delete them (set ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID / ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY to a read-only key)"
        : null,
  };
}

function storeOptions(
  config: ArcadeConfig,
  accessKeyId: string | undefined,
  secretAccessKey: string | undefined,
): ObjectStoreOptions {
  const s = config.storage;
  if (s.type === "filesystem") return { type: "filesystem", root: s.fsRoot };
  return {
    type: "s3",
    region: s.s3Region,
    bucket: s.s3Bucket,
    forcePathStyle: s.s3ForcePathStyle,
    keyPrefix: s.s3KeyPrefix,
    partSize: s.multipartPartSize,
    ...(s.s3Endpoint ? { endpoint: s.s3Endpoint } : {}),
    ...(accessKeyId ? { accessKeyId } : {}),
    ...(secretAccessKey ? { secretAccessKey } : {}),
  };
}
