import { createHash } from "node:crypto";
import type { JobRecord } from "@arcade/core";
import { expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import { leftovers, snapshot } from "./testing/leftovers.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function installed(p: Pipeline, name: string, version = "1.0.0"): Promise<string> {
  const op = await p.install(await pluginZip(manifestOf(name, version)));
  expect(op.error).toBeNull();
  return op.pluginId!;
}

/** A failed update changes nothing: same plugin row, versions, config and objects; no staging left. */
async function expectUnchanged(p: Pipeline, op: JobRecord, pluginId: string, before: unknown) {
  expect(op.state).toBe("failed");
  expect(op.attempts).toBe(1);
  expect(await state(p, pluginId)).toEqual(before);
  expect(await p.objects("staging/")).not.toContain(`staging/${op.jobId}`);
}

async function state(p: Pipeline, pluginId: string) {
  const plugin = await p.database.plugins.findById(pluginId);
  return {
    version: plugin?.version,
    checksum: plugin?.checksum,
    versions: (await p.database.plugins.versions(pluginId)).map((v) => v.version),
    config: await p.database.plugins.getConfig(pluginId),
    objects: await p.objects(`plugins/${pluginId}/`),
  };
}

describeOnBackends("update", { retainVersions: 3 }, (pipeline) => {
  it("replaces the version, keeping the plugin id and its config", async () => {
    const p = pipeline();
    const name = uniqueName("upd");
    const pluginId = await installed(p, name);
    const configured = await p.apply("configure", { pluginId, config: { channel: "ops", level: 2 } });
    expect(configured.error).toBeNull();
    const zip = await pluginZip(manifestOf(name, "1.1.0", { description: "second" }));

    const op = await p.update(pluginId, zip);

    expect(op.error).toBeNull();
    expect(op.pluginId).toBe(pluginId);
    expect(op.result).toMatchObject({ version: "1.1.0", checksum: sha256(zip) });
    const plugin = await p.database.plugins.findById(pluginId);
    expect(plugin).toMatchObject({ name, version: "1.1.0", description: "second", checksum: sha256(zip) });
    expect(await p.database.plugins.getConfig(pluginId)).toEqual({ channel: "ops", level: 2 });
    expect((await p.database.plugins.versions(pluginId)).map((v) => v.version)).toEqual(["1.1.0", "1.0.0"]);
    expect(await p.objects(`plugins/${pluginId}/`)).toEqual([
      `plugins/${pluginId}/1.0.0/${pluginId}_1.0.0.zip`,
      `plugins/${pluginId}/1.1.0/${pluginId}_1.1.0.zip`,
    ]);
    await expect.poll(() => p.eventsOf(op.jobId).map((e) => e.op)).toEqual(["update"]);
  });

  it("an update to the installed version and bytes succeeds and says it changed nothing", async () => {
    const p = pipeline();
    const name = uniqueName("same");
    const zip = await pluginZip(manifestOf(name, "1.0.0"));
    const first = await p.install(zip);
    expect(first.error).toBeNull();
    expect(first.result?.changed).toBeUndefined();
    const pluginId = first.pluginId!;
    const before = await state(p, pluginId);

    const op = await p.update(pluginId, zip);

    expect(op.error).toBeNull();
    expect(op.state).toBe("succeeded");
    expect(op.result).toMatchObject({ version: "1.0.0", checksum: sha256(zip), changed: false });
    expect(await state(p, pluginId)).toEqual(before);

    const newer = await p.update(pluginId, await pluginZip(manifestOf(name, "1.0.1")));
    expect(newer.result).toMatchObject({ version: "1.0.1" });
    expect(newer.result?.changed).toBeUndefined();
  });

  it("refuses a version that is not newer (VERSION_NOT_NEWER), unless allowDowngrade", async () => {
    const p = pipeline();
    const name = uniqueName("older");
    const pluginId = await installed(p, name, "2.0.0");
    const before = await state(p, pluginId);
    const older = await pluginZip(manifestOf(name, "1.5.0"));

    const refused = await p.update(pluginId, older);
    expect(refused.error?.code).toBe("VERSION_NOT_NEWER");
    await expectUnchanged(p, refused, pluginId, before);

    const same = await p.update(pluginId, await pluginZip(manifestOf(name, "2.0.0", { description: "x" })));
    expect(same.error?.code).toBe("VERSION_NOT_NEWER");

    const allowed = await p.update(pluginId, older, { allowDowngrade: true });
    expect(allowed.error).toBeNull();
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.5.0" });
  });

  it("never stores new bytes under a version it already keeps, even with allowDowngrade", async () => {
    const p = pipeline();
    const name = uniqueName("samever");
    const pluginId = await installed(p, name, "1.0.0");
    expect((await p.update(pluginId, await pluginZip(manifestOf(name, "1.1.0")))).error).toBeNull();
    const before = await state(p, pluginId);
    const original = await p.database.plugins.getVersion(pluginId, "1.0.0");

    const changed = await pluginZip(manifestOf(name, "1.0.0", { description: "rebuilt" }));
    const op = await p.update(pluginId, changed, { allowDowngrade: true });

    expect(op.error?.code).toBe("VERSION_NOT_NEWER");
    await expectUnchanged(p, op, pluginId, before);
    const head = await p.resources.store.head(original!.objectKey);
    expect(head?.sha256).toBe(original?.checksum);
  });

  it("fails with CONFIG_INVALID when the stored config violates the new configSchema", async () => {
    const p = pipeline();
    const name = uniqueName("cfg");
    const pluginId = await installed(p, name);
    const before = await state(p, pluginId);
    const strict = manifestOf(name, "1.1.0", {
      configSchema: {
        type: "object",
        properties: { channel: { type: "integer" } },
        additionalProperties: false,
      },
      defaultConfig: { channel: 1 },
    });

    const op = await p.update(pluginId, await pluginZip(strict));

    expect(op.error?.code).toBe("CONFIG_INVALID");
    expect(op.error?.errors?.length).toBeGreaterThan(0);
    await expectUnchanged(p, op, pluginId, before);
  });

  it("fails with MANIFEST_INVALID when the update renames the plugin", async () => {
    const p = pipeline();
    const name = uniqueName("named");
    const pluginId = await installed(p, name);
    const before = await state(p, pluginId);

    const op = await p.update(pluginId, await pluginZip(manifestOf(`${name}-renamed`, "1.1.0")));

    expect(op.error?.code).toBe("MANIFEST_INVALID");
    expect(op.error?.errors).toEqual([expect.objectContaining({ path: "/name" })]);
    await expectUnchanged(p, op, pluginId, before);
  });

  it("fails with PLUGIN_NOT_FOUND for a plugin that does not exist, leaving nothing behind", async () => {
    const p = pipeline();
    const name = uniqueName("ghost");
    const before = await snapshot(p);
    const op = await p.update("plugin_ghost_zzzzzz", await pluginZip(manifestOf(name, "1.0.0")));
    expect(op.error?.code).toBe("PLUGIN_NOT_FOUND");
    expect(await leftovers(p, { ...op, pluginId: null }, name, before)).toEqual([]);
  });

  it("keeps the newest 3 versions: after 5 updates, 3 version rows and 3 objects", async () => {
    const p = pipeline();
    const name = uniqueName("retain");
    const pluginId = await installed(p, name, "1.0.0");
    for (const minor of [1, 2, 3, 4, 5]) {
      const op = await p.update(pluginId, await pluginZip(manifestOf(name, `1.${minor}.0`)));
      expect(op.error).toBeNull();
    }
    const versions = await p.database.plugins.versions(pluginId);
    expect(versions.map((v) => v.version)).toEqual(["1.5.0", "1.4.0", "1.3.0"]);
    expect(await p.objects(`plugins/${pluginId}/`)).toEqual(versions.map((v) => v.objectKey).sort());
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.5.0" });
  });
});
