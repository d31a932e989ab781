import { isAbsolute, relative, resolve, sep } from "node:path";
import { AppError } from "@arcade/core";

/**
 * The absolute path of a plugin's entry module. The manifest was checked at install,
 * but the runtime still refuses an entryPoint that leads out of the plugin folder.
 */
export function entryPath(dir: string, entryPoint: string): string {
  const root = resolve(dir);
  const path = resolve(root, entryPoint);
  const rel = relative(root, path);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new AppError(
      "PLUGIN_LOAD_FAILED",
      `entryPoint "${entryPoint}" does not name a file inside the plugin folder`,
    );
  }
  if (!/\.(?:m?js)$/.test(path)) {
    throw new AppError("PLUGIN_LOAD_FAILED", `entryPoint "${entryPoint}" is not a .js or .mjs module`);
  }
  return path;
}
