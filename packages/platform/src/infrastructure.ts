import type { ArcadeConfig } from "@arcade/config";
import { type ArchiveLimits, type Logger, type ObjectStore, resolveArchiveLimits } from "@arcade/core";
import { type Database, type DbLogger, openDatabase } from "@arcade/db";
import { createObjectStore } from "@arcade/storage";
import { databaseOptions, readerDatabaseOptions } from "./database-options.js";
import { objectStoreOptions, readerObjectStoreOptions } from "./object-store-options.js";

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

/** The store with the shared (writer) key: the API's upload staging and the worker. */
export function configuredObjectStore(config: ArcadeConfig): ObjectStore {
  return createObjectStore(objectStoreOptions(config));
}

/**
 * The store a runtime node fetches artifacts from, with `storage.s3_reader_*` (read-only); the
 * shared key, with a warning in the log, when none is configured. Handed out as reads only: the
 * node has no reason to write, and its key may not.
 */
export function nodeObjectStore(
  config: ArcadeConfig,
  logger: Pick<Logger, "warn">,
): Pick<ObjectStore, "get" | "head"> {
  const { options, warning } = readerObjectStoreOptions(config);
  if (warning) logger.warn(warning);
  return createObjectStore(options);
}

export function archiveLimits(config: ArcadeConfig): ArchiveLimits {
  return resolveArchiveLimits({
    maxCompressedBytes: config.plugin.maxPluginSize,
    maxEntries: config.plugin.maxEntries,
    maxUncompressedBytes: config.plugin.maxUncompressedSize,
    maxCompressionRatio: config.plugin.maxCompressionRatio,
  });
}
