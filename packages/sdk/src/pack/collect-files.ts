import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@arcade/core";

export interface PackFile {
  /** Path inside the archive: forward slashes, relative to the plugin folder. */
  name: string;
  absolute: string;
}

const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

/**
 * Why each kind of file stays out of the archive: dot files hold VCS data,
 * caches and secrets (.git, .turbo, .env, .npmrc); node_modules is the author's
 * toolchain, not the plugin (a plugin bundles what it needs); test files are
 * not run by the platform; old archives and signatures would nest builds.
 */
export function isExcluded(relativePath: string): boolean {
  const segments = relativePath.split("/");
  const base = segments[segments.length - 1] ?? "";
  if (segments.some((s) => s.startsWith(".") || s === "node_modules" || s === "__tests__")) return true;
  return TEST_FILE.test(base) || base.endsWith(".zip") || base.endsWith(".sig.json");
}

/** Every file to pack, sorted by archive name so the archive does not depend on directory order. */
export async function collectFiles(dir: string, skip: ReadonlySet<string> = new Set()): Promise<PackFile[]> {
  const root = path.resolve(dir);
  const files: PackFile[] = [];
  const walk = async (relativeDir: string): Promise<void> => {
    const entries = await readdir(path.join(root, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      const name = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (isExcluded(name)) continue;
      const absolute = path.join(root, name);
      if (skip.has(absolute)) continue;
      if (entry.isDirectory()) {
        await walk(name);
      } else if (entry.isFile()) {
        files.push({ name, absolute });
      } else {
        const info = await lstat(absolute);
        throw new AppError(
          "ARCHIVE_UNSAFE",
          `${name} is ${info.isSymbolicLink() ? "a symbolic link" : "not a regular file"}: ` +
            "archives hold regular files only; replace it with a copy or move it out of the folder",
        );
      }
    }
  };
  await walk("");
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
