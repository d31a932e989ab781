import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { PluginUser } from "./plugin-user.js";

/**
 * Why `user` cannot reach `path` with `need` ("r" to read a file or list a folder, "x" to
 * run a file), or null when it can: every folder on the way must be searchable by it.
 * Checked from the modes (the platform runs as root, so access() would say yes to
 * everything); supplementary groups do not count, as plugin processes have none.
 */
export async function accessProblem(path: string, user: PluginUser, need: "r" | "x"): Promise<string | null> {
  const target = resolve(path);
  const chain: string[] = [];
  for (let dir = dirname(target); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  for (const dir of chain) {
    const problem = await missing(dir, user, "x");
    if (problem) return problem;
  }
  return missing(target, user, need);
}

async function missing(path: string, user: PluginUser, need: "r" | "x"): Promise<string | null> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    return `${path} cannot be examined: ${(error as Error).message}`;
  }
  const bit = need === "r" ? 4 : 1;
  const shift = info.uid === user.uid ? 6 : info.gid === user.gid ? 3 : 0;
  if ((Number(info.mode) >> shift) & bit) return null;
  const mode = (Number(info.mode) & 0o7777).toString(8).padStart(4, "0");
  const what = need === "x" && info.isDirectory() ? "enter" : need === "r" ? "read" : "run";
  return `the plugin user (${user.name}) cannot ${what} ${path} (mode ${mode}, owner ${info.uid}:${info.gid})`;
}
