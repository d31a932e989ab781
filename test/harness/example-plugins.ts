import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { access, mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atExit } from "./exit-guard.js";
import { cleanBaseEnv, nodeArgs } from "./node-runner.js";
import { PLUGIN_CLI_ENTRY, REPO_ROOT } from "./repo-paths.js";
import { serviceAddresses } from "./service-env.js";

const BUILD_TIMEOUT_MS = 120_000;
const built = new Map<string, Promise<string>>();
let outDir: Promise<string> | null = null;

function buildDir(): Promise<string> {
  outDir ??= (async () => {
    const base = serviceAddresses().dataDir ?? tmpdir();
    await mkdir(base, { recursive: true });
    const dir = await mkdtemp(join(base, "e2e-example-plugins-"));
    atExit(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return outDir;
}

/**
 * Packs the example plugin in packages/plugins/<folder> with the SDK's CLI (what
 * `pnpm --filter @arcade/plugin-<folder> build [-- --set-version V]` runs), into a temp folder
 * of this test process rather than the package's dist/, so parallel suites never write the same
 * file. Each (folder, version) is built once per test process; returns the zip's path.
 */
export function buildExamplePlugin(folder: string, options: { version?: string } = {}): Promise<string> {
  const cacheKey = `${folder}@${options.version ?? ""}`;
  let pending = built.get(cacheKey);
  if (!pending) {
    pending = pack(folder, options.version);
    built.set(cacheKey, pending);
    pending.catch(() => built.delete(cacheKey));
  }
  return pending;
}

async function pack(folder: string, version: string | undefined): Promise<string> {
  const source = join(REPO_ROOT, "packages", "plugins", folder);
  await access(join(source, "manifest.json"));
  const out = join(await buildDir(), `${folder}-${version ?? "default"}.zip`);
  const args = [...nodeArgs(PLUGIN_CLI_ENTRY), "pack", source, "-o", out];
  if (version) args.push("--set-version", version);
  const output: Buffer[] = [];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: cleanBaseEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d: Buffer) => output.push(d));
  child.stderr.on("data", (d: Buffer) => output.push(d));
  const timer = setTimeout(() => child.kill("SIGKILL"), BUILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => {
    child.once("exit", (c) => resolve(c));
    child.once("error", () => resolve(null));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) {
    throw new Error(`packing ${folder} failed (exit ${code}):\n${Buffer.concat(output).toString("utf8")}`);
  }
  await access(out);
  return out;
}
