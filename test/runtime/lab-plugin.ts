import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildPluginZip, REPO_ROOT } from "../harness/index.js";

const LAB_DIR = join(REPO_ROOT, "packages", "plugins", "custom-lab");

/**
 * A zip made of custom-lab's own entry module with its manifest changed: another name (so it
 * installs beside custom-lab), another version, a different memory limit or default config.
 * `manifest` is merged shallowly over custom-lab's manifest.json.
 */
export async function labVariantZip(options: {
  name: string;
  version?: string;
  manifest?: Record<string, unknown>;
}): Promise<Buffer> {
  const manifest = JSON.parse(await readFile(join(LAB_DIR, "manifest.json"), "utf8")) as Record<
    string,
    unknown
  >;
  const entryPoint = String(manifest.entryPoint);
  const source = await readFile(join(LAB_DIR, entryPoint), "utf8");
  return buildPluginZip({
    name: options.name,
    version: options.version ?? String(manifest.version),
    entryPoint,
    source,
    manifest: {
      ...manifest,
      ...options.manifest,
      name: options.name,
      version: options.version ?? manifest.version,
    },
  });
}
