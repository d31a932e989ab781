import { readdir, readFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import type { JobResource, Paged, PluginResource } from "@arcade/contracts";
import { type Platform, REPO_ROOT } from "../../harness/index.js";

/**
 * Everything a rejected request must leave as it was:
 * - the plugin list (id, version, enabled state, checksum) and the watched plugins' config;
 * - the number of jobs that are not failed (a failed job is how a rejected upload is recorded);
 * - the object store's `plugins/` and `staging/` keys (fs: temp debris included);
 * - every file under the platform's run folder except the logs and the SQLite files, so a
 *   scratch file left in data/tmp, a cache entry or a file written next to the data folders
 *   (a zip slip out of a work dir lands there first) shows up.
 */
export interface PlatformState {
  plugins: string[];
  configs: Record<string, unknown>;
  activeJobs: number;
  objects: string[];
  files: string[];
}

const API = "/api/v1";

export async function captureState(p: Platform, watched: readonly string[]): Promise<PlatformState> {
  const list = await p.call<Paged<PluginResource>>("GET", `${API}/plugins?pageSize=200`);
  if (list.status !== 200)
    throw new Error(`GET /plugins answered ${list.status}: ${list.text.slice(0, 300)}`);
  const configs: Record<string, unknown> = {};
  for (const id of watched) {
    const res = await p.call<unknown>("GET", `${API}/plugins/${id}/config`);
    configs[id] = res.status === 200 ? res.body : `status ${res.status}`;
  }
  let activeJobs = 0;
  for (const state of ["queued", "running", "succeeded"] as const) {
    const res = await p.call<Paged<JobResource>>("GET", `${API}/jobs?state=${state}&pageSize=1`);
    if (res.status !== 200) throw new Error(`GET /jobs answered ${res.status}: ${res.text.slice(0, 300)}`);
    activeJobs += res.body.total;
  }
  return {
    plugins: list.body.items.map((x) => `${x.pluginId}@${x.version}:${x.isEnabled}:${x.checksum}`).sort(),
    configs,
    activeJobs,
    objects: [...(await p.listObjects("plugins/")), ...(await p.listObjects("staging/"))],
    files: await runFiles(p.runDir),
  };
}

/** Files under the run folder, relative, minus logs/ and the SQLite database files. */
async function runFiles(runDir: string): Promise<string[]> {
  const entries = await readdir(runDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(runDir, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((path) => !path.startsWith("logs/") && !/^data\/arcade\.db(-\w+)?$/.test(path))
    .sort();
}

/**
 * Files or folders whose name contains `marker`, in the places a path-traversal payload could
 * reach from the platform's folders: the run folder (all of it), the system temp folder and the
 * repository (three levels), the home folder and the file system root (one level). Every
 * traversal name of the corpus carries the marker, so a hit means a write escaped.
 */
export async function findMarkedFiles(runDir: string, marker: string): Promise<string[]> {
  const roots: [string, number][] = [
    [runDir, 50],
    [tmpdir(), 3],
    [REPO_ROOT, 3],
    [homedir(), 1],
    ["/", 1],
  ];
  const hits = new Set<string>();
  for (const [root, depth] of roots) await walk(root, depth, marker, hits);
  return [...hits].sort();
}

const SKIP = new Set(["node_modules", ".git", "proc", "sys", "dev"]);

async function walk(dir: string, depth: number, marker: string, hits: Set<string>): Promise<void> {
  if (depth <= 0) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.name.includes(marker)) hits.add(full);
    if (e.isDirectory() && !SKIP.has(e.name)) await walk(full, depth - 1, marker, hits);
  }
}

/** Lines of a pino log at level error (50) or fatal (60): an unexpected failure of the process. */
export async function errorLines(logFile: string): Promise<string[]> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text.split("\n").filter((line) => /"level":("error"|"fatal"|50|60)[,}]/.test(line));
}
