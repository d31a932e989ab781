import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "@arcade/contracts";
import type { PluginSpec } from "../plugin-types.js";

/**
 * A temp folder for plugin folders; remove() deletes it. Searchable by everyone (mkdtemp
 * makes it 0700): when the tests run as root, plugin processes run as nobody and must
 * reach their folders. `dataRoot` is where the host puts plugin data folders.
 */
export async function pluginWorkspace(): Promise<{
  root: string;
  dataRoot: string;
  remove: () => Promise<void>;
}> {
  const root = await mkdtemp(join(tmpdir(), "arcade-runtime-"));
  await chmod(root, 0o755);
  return {
    root,
    dataRoot: join(root, "plugin-data"),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

export interface FixtureOptions {
  pluginId: string;
  version?: string;
  checksum?: string;
  /** Body of the entry module (ESM), with a default export. */
  source: string;
  manifest?: Partial<Manifest>;
  config?: Record<string, unknown> | null;
}

/** Writes a real plugin folder (manifest.json + index.mjs) and returns its load spec. */
export async function writePlugin(root: string, options: FixtureOptions): Promise<PluginSpec> {
  const version = options.version ?? "1.0.0";
  const manifest: Manifest = {
    name: options.pluginId,
    version,
    pluginType: "custom",
    entryPoint: "index.mjs",
    ...options.manifest,
  };
  const dir = join(root, `${options.pluginId}_${version}_${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await writeFile(join(dir, manifest.entryPoint), options.source);
  return {
    pluginId: options.pluginId,
    version,
    checksum: options.checksum ?? "0".repeat(64),
    manifest,
    dir,
    config: options.config ?? null,
  };
}

/** A custom plugin whose `execute` runs `body` (params and ctx in scope) and returns its value. */
export function customPlugin(body: string, extra = ""): string {
  return `export default {
  async init(ctx) {},
  actions: {
    async execute(params, ctx) { ${body} },
    ${extra}
  },
  async cleanup() {},
};
`;
}

/** Polls until `check` returns a truthy value; a generous bound, not a timing assertion. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
