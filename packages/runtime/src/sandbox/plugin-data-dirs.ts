import { chmod, chown, lchown, lstat, mkdir, readdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PluginUser } from "./plugin-user.js";

const PLUGIN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * `{data_dir}/plugin-data/{pluginId}`: the one folder a plugin may write, kept across its
 * versions (and while it is disabled), removed when it is uninstalled. The root is the
 * platform's and only traversable by others (0711: a plugin cannot list who else is
 * there); each plugin's folder is 0700 and owned by the plugin user.
 */
export class PluginDataDirs {
  readonly root: string;

  constructor(
    root: string,
    private readonly user: PluginUser | null,
  ) {
    this.root = resolve(root);
  }

  pathOf(pluginId: string): string {
    if (!PLUGIN_ID.test(pluginId))
      throw new Error(`plugin id ${JSON.stringify(pluginId)} is unsafe as a folder name`);
    return join(this.root, pluginId);
  }

  /** Creates the folder (and the root) when missing; makes it the plugin user's. */
  async ensure(pluginId: string): Promise<string> {
    const dir = this.pathOf(pluginId);
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    await chmod(this.root, 0o711);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    if (this.user) {
      const info = await stat(dir);
      // A folder from before a change of runtime.plugin_uid: hand everything in it over.
      if (info.uid !== this.user.uid || info.gid !== this.user.gid) await chownTree(dir, this.user);
    }
    return dir;
  }

  /** Uninstall: the plugin's files go with it. */
  async remove(pluginId: string): Promise<void> {
    await rm(this.pathOf(pluginId), { recursive: true, force: true });
  }

  /** Removes the folders of plugins that no longer exist (uninstalled while this node was away). */
  async sweep(existing: ReadonlySet<string>): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const removed: string[] = [];
    for (const name of names) {
      if (!PLUGIN_ID.test(name) || existing.has(name)) continue;
      await rm(join(this.root, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }
}

async function chownTree(path: string, user: PluginUser): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) {
    await lchown(path, user.uid, user.gid);
    return;
  }
  await chown(path, user.uid, user.gid);
  if (!info.isDirectory()) return;
  for (const name of await readdir(path)) await chownTree(join(path, name), user);
}
