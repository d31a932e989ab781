import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginHost } from "../plugin-host.js";
import { capturingLogger } from "../testing/capturing-logger.js";
import { customPlugin, pluginWorkspace, waitFor, writePlugin } from "../testing/plugin-fixtures.js";

let root: string;
let dataRoot: string;
let removeRoot: () => Promise<void>;
const hosts: PluginHost[] = [];

beforeAll(async () => {
  ({ root, dataRoot, remove: removeRoot } = await pluginWorkspace());
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stopAll()));
  await removeRoot();
});

const PROBE = customPlugin(`
  const fs = await import("node:fs");
  if (params.write) fs.writeFileSync("state.txt", params.write);
  let other = "denied";
  try { fs.readFileSync(params.other); other = "read"; } catch {}
  return {
    cwd: process.cwd(),
    own: fs.readFileSync(new URL("./manifest.json", import.meta.url), "utf8").length > 0,
    state: fs.existsSync("state.txt") ? fs.readFileSync("state.txt", "utf8") : null,
    other,
    version: ctx.version,
  };
`);

describe("warm spare", () => {
  it("a hot swap takes the spare started for the plugin: its own folders, nothing else", async () => {
    const host = new PluginHost({
      nodeId: "n",
      logger: capturingLogger(),
      pluginDataDir: dataRoot,
      warmSpare: true,
      spareQuietMs: 50,
      defaultMemoryMb: 64,
    });
    hosts.push(host);
    await host.prepare();
    const other = await writePlugin(root, { pluginId: "p_other", source: PROBE });
    const v1 = await writePlugin(root, { pluginId: "p_spare", source: PROBE });
    const v2 = await writePlugin(root, { pluginId: "p_spare", version: "2.0.0", source: PROBE });
    // The first load spawns; the spare is then aimed at this plugin.
    const loaded = await host.load(v1);
    expect(loaded.sandbox?.fromSpare).toBe(false);
    const first = (
      await host.invoke("p_spare", "execute", { write: "kept", other: `${other.dir}/index.mjs` })
    ).result as Record<string, unknown>;
    expect(first).toMatchObject({ own: true, state: "kept", other: "denied", version: "1.0.0" });
    // The hot swap (its next version) takes the spare; the data folder is the same one.
    await waitFor(() => spareReady(host), "the spare to say hello");
    const swapped = await host.load(v2);
    expect(swapped.sandbox?.fromSpare).toBe(true);
    const second = (await host.invoke("p_spare", "execute", { other: `${other.dir}/index.mjs` }))
      .result as Record<string, unknown>;
    expect(second).toMatchObject({ own: true, state: "kept", other: "denied", version: "2.0.0" });
  });

  it("a version that asks for something else (memory, permissions) gets a process of its own", async () => {
    const host = new PluginHost({
      nodeId: "n2",
      logger: capturingLogger(),
      pluginDataDir: dataRoot,
      warmSpare: true,
      spareQuietMs: 50,
      defaultMemoryMb: 64,
    });
    hosts.push(host);
    await host.prepare();
    await host.load(await writePlugin(root, { pluginId: "p_grow", source: PROBE }));
    await waitFor(() => spareReady(host), "the spare to say hello");
    const bigger = await writePlugin(root, {
      pluginId: "p_grow",
      version: "2.0.0",
      source: PROBE,
      manifest: { resources: { memory: "128Mi" } },
    });
    const loaded = await host.load(bigger);
    expect(loaded.sandbox?.fromSpare).toBe(false);
    expect(loaded.sandbox?.memoryMb).toBe(128);
    // Another plugin never gets a spare started for this one.
    await waitFor(() => spareReady(host), "the spare to say hello");
    const other = await host.load(await writePlugin(root, { pluginId: "p_else", source: PROBE }));
    expect(other.sandbox?.fromSpare).toBe(false);
  });
});

/** The host's spare has said hello (white-box: the spare is not part of the host's API). */
function spareReady(host: PluginHost): boolean {
  const spare = (host as unknown as { spare: { ready: { process: { helloed: boolean } } | null } | null })
    .spare;
  return spare?.ready?.process.helloed === true;
}
