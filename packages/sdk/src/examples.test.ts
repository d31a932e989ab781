import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inspectArchive } from "@arcade/archive";
import { validateManifest } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pack } from "./pack/pack.js";
import { readZip } from "./test-support/read-zip.js";

const pluginsDir = fileURLToPath(new URL("../../plugins", import.meta.url));
const EXAMPLES = ["notify-stdout", "notify-webhook", "custom-lab"];

let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), "arcade-examples-"));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe.each(EXAMPLES)("example plugin %s", (name) => {
  it("packs into an installable zip: valid manifest at the root, entry module beside it, no test files", async () => {
    const dir = path.join(pluginsDir, name);
    const result = await pack({ dir, outFile: path.join(out, "{name}-{version}.zip") });
    expect(result.file).toBe(path.join(out, `${name}-1.0.0.zip`));

    // The platform's own install-time inspection accepts it...
    const inspection = await inspectArchive(result.file);
    expect(inspection.sha256).toBe(result.sha256);
    expect(inspection.manifest.name).toBe(name);

    // ...and the content is exactly the folder's.
    const entries = await readZip(result.file);
    const byName = new Map(entries.map((e) => [e.name, e.data]));
    const manifestBytes = byName.get("manifest.json");
    expect(manifestBytes).toBeDefined();
    const packedManifest = JSON.parse(manifestBytes?.toString("utf8") ?? "null");
    expect(packedManifest).toEqual(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")));
    const check = validateManifest(packedManifest);
    expect(check.errors).toEqual([]);
    expect(packedManifest.name).toBe(name);

    const entry = byName.get(packedManifest.entryPoint);
    expect(entry?.toString("utf8")).toBe(await readFile(path.join(dir, packedManifest.entryPoint), "utf8"));
    // Self-contained: the runtime has no @arcade/sdk (nor any package) beside the plugin.
    expect(entry?.toString("utf8")).not.toMatch(/^\s*import\s.*from\s/m);
    expect(entries.map((e) => e.name).filter((n) => /\.test\.|node_modules|^\./.test(n))).toEqual([]);
  });
});
