import type { ArcadeConfig } from "@arcade/config";
import { type ArchiveLimits, type ObjectStore, resolveArchiveLimits } from "@arcade/core";
import { type Database, type DbLogger, openDatabase } from "@arcade/db";
import { createObjectStore } from "@arcade/storage";
import { databaseOptions, readerDatabaseOptions } from "./database-options.js";

/**
 * Config -> adapters, shared by the composition roots (apps/*). Only the
 * mapping lives here: each app decides what it starts and in which order.
 */
export async function openConfiguredDatabase(config: ArcadeConfig, logger: DbLogger): Promise<Database> {
  const database = await openDatabase(databaseOptions(config), { logger });
  await database.migrate();
  return database;
}

/**
 * The runtime node's own connection as `database.reader_user` (SELECT only; no migrations: the
 * process's main connection ran them), or null when no reader user is configured.
 */
export async function openNodeDatabase(config: ArcadeConfig, logger: DbLogger): Promise<Database | null> {
  const options = readerDatabaseOptions(config);
  return options ? openDatabase(options, { logger }) : null;
}

export function configuredObjectStore(config: ArcadeConfig): ObjectStore {
  const s = config.storage;
  if (s.type === "filesystem") return createObjectStore({ type: "filesystem", root: s.fsRoot });
  return createObjectStore({
    type: "s3",
    region: s.s3Region,
    bucket: s.s3Bucket,
    forcePathStyle: s.s3ForcePathStyle,
    keyPrefix: s.s3KeyPrefix,
    partSize: s.multipartPartSize,
    ...(s.s3Endpoint ? { endpoint: s.s3Endpoint } : {}),
    ...(s.s3AccessKeyId ? { accessKeyId: s.s3AccessKeyId } : {}),
    ...(s.s3SecretAccessKey ? { secretAccessKey: s.s3SecretAccessKey } : {}),
  });
}

export function archiveLimits(config: ArcadeConfig): ArchiveLimits {
  return resolveArchiveLimits({
    maxCompressedBytes: config.plugin.maxPluginSize,
    maxEntries: config.plugin.maxEntries,
    maxUncompressedBytes: config.plugin.maxUncompressedSize,
    maxCompressionRatio: config.plugin.maxCompressionRatio,
  });
}
