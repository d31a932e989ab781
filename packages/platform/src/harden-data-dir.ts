import { chmod, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ArcadeConfig } from "@arcade/config";
import type { Logger } from "@arcade/core";

/**
 * Below the permission model: when the platform runs as root, plugin processes run as an
 * unprivileged user (runtime.plugin_uid), and what the platform keeps in its data folder
 * must be out of that user's reach even if a plugin got past Node's checks.
 * - the data folder: others may pass through it (to the plugin cache and the plugin data
 *   folders below it) but not list it (0711);
 * - the SQLite database and its journal files, the admin token: the platform's only (0600);
 * - the filesystem object store and the scratch folders: the platform's only (0700);
 * - the plugin cache: readable, not writable, by others (0755; the cache makes its files 0644).
 * Only what the platform itself creates is touched. A config file others can read is reported.
 */
export async function hardenDataDir(config: ArcadeConfig, logger: Logger): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const dataDir = config.server.dataDir;
  await mkdir(dataDir, { recursive: true, mode: 0o711 });
  await chmod(dataDir, 0o711);
  const privateFiles = [join(dataDir, "admin-token")];
  if (config.database.type === "sqlite") {
    const db = config.database.sqlitePath;
    privateFiles.push(db, `${db}-wal`, `${db}-shm`, `${db}-journal`);
  }
  for (const file of privateFiles) await chmodIfPresent(file, 0o600);
  const privateDirs = [join(dataDir, "tmp")];
  if (config.storage.type === "filesystem") privateDirs.push(config.storage.fsRoot);
  for (const dir of privateDirs) await chmodIfPresent(dir, 0o700);
  await mkdir(config.plugin.localCacheDir, { recursive: true, mode: 0o755 });
  await chmod(config.plugin.localCacheDir, 0o755);
  if (config.file) {
    const mode = await stat(config.file).then(
      (info) => Number(info.mode),
      () => null,
    );
    if (mode !== null && (mode & 0o004) !== 0) {
      logger.warn(
        { file: config.file },
        `the config file is readable by every user (mode ${(mode & 0o777).toString(8)}); plugins run as ${config.runtime.pluginUid}: chmod 600 it`,
      );
    }
  }
}

async function chmodIfPresent(path: string, mode: number): Promise<void> {
  try {
    await chmod(path, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
