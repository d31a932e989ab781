import { PluginStatus } from "@arcade/contracts";
import { expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

async function installed(p: Pipeline, name: string, versions: string[] = ["1.0.0"]): Promise<string> {
  const [first, ...rest] = versions;
  const op = await p.install(await pluginZip(manifestOf(name, first!)));
  expect(op.error).toBeNull();
  const pluginId = op.pluginId!;
  for (const version of rest) {
    const up = await p.update(pluginId, await pluginZip(manifestOf(name, version)));
    expect(up.error).toBeNull();
  }
  return pluginId;
}

describeOnBackends("state operations", {}, (pipeline) => {
  it("disable and enable: status, revision bump and an event each", async () => {
    const p = pipeline();
    const pluginId = await installed(p, uniqueName("toggle"));
    const r0 = await p.database.plugins.currentRevision();

    const disabled = await p.apply("disable", { pluginId });
    expect(disabled).toMatchObject({ state: "succeeded", progress: 100, error: null });
    expect(disabled.result).toMatchObject({ version: "1.0.0", changed: true });
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ isEnabled: PluginStatus.Disabled });
    expect(await p.database.plugins.currentRevision()).toBe(r0 + 1);
    await expect
      .poll(() => p.eventsOf(disabled.jobId))
      .toEqual([expect.objectContaining({ pluginId, op: "disable", revision: r0 + 1 })]);

    const again = await p.apply("disable", { pluginId });
    expect(again.result).toMatchObject({ changed: false });
    expect(await p.database.plugins.currentRevision()).toBe(r0 + 1);

    const enabled = await p.apply("enable", { pluginId });
    expect(enabled.result).toMatchObject({ changed: true });
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ isEnabled: PluginStatus.Enabled });
    expect(await p.database.plugins.currentRevision()).toBe(r0 + 2);
    await expect
      .poll(() => p.eventsOf(enabled.jobId))
      .toEqual([expect.objectContaining({ pluginId, op: "enable", revision: r0 + 2 })]);
  });

  it("configure: replaces the config after validating it", async () => {
    const p = pipeline();
    const pluginId = await installed(p, uniqueName("conf"));
    const r0 = await p.database.plugins.currentRevision();

    const ok = await p.apply("configure", { pluginId, config: { channel: "alerts", level: 3 } });
    expect(ok.error).toBeNull();
    expect(await p.database.plugins.getConfig(pluginId)).toEqual({ channel: "alerts", level: 3 });
    expect(await p.database.plugins.currentRevision()).toBe(r0 + 1);
    await expect.poll(() => p.eventsOf(ok.jobId).map((e) => e.op)).toEqual(["configure"]);

    const bad = await p.apply("configure", { pluginId, config: { level: -1, extra: true } });
    expect(bad.state).toBe("failed");
    expect(bad.error?.code).toBe("CONFIG_INVALID");
    expect(bad.error?.errors?.length).toBeGreaterThanOrEqual(2);
    expect(bad.attempts).toBe(1);
    expect(await p.database.plugins.getConfig(pluginId)).toEqual({ channel: "alerts", level: 3 });
    expect(await p.database.plugins.currentRevision()).toBe(r0 + 1);
  });

  it("rollback: to the previous version, to a named one, and VERSION_NOT_FOUND", async () => {
    const p = pipeline();
    const pluginId = await installed(p, uniqueName("roll"), ["1.0.0", "1.1.0", "1.2.0"]);

    const previous = await p.apply("rollback", { pluginId });
    expect(previous.error).toBeNull();
    expect(previous.result).toMatchObject({ version: "1.1.0", previousVersion: "1.2.0" });
    const v110 = await p.database.plugins.getVersion(pluginId, "1.1.0");
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({
      version: "1.1.0",
      checksum: v110?.checksum,
    });
    await expect
      .poll(() => p.eventsOf(previous.jobId))
      .toEqual([expect.objectContaining({ op: "rollback", version: "1.1.0", checksum: v110?.checksum })]);

    const named = await p.apply("rollback", { pluginId, version: "1.0.0" });
    expect(named.error).toBeNull();
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.0.0" });

    const missing = await p.apply("rollback", { pluginId, version: "0.9.0" });
    expect(missing.error?.code).toBe("VERSION_NOT_FOUND");
    expect(missing.attempts).toBe(1);
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.0.0" });
    // Rolling back keeps every retained version and its artifact.
    expect((await p.database.plugins.versions(pluginId)).length).toBe(3);
    expect((await p.objects(`plugins/${pluginId}/`)).length).toBe(3);
  });

  it("rollback of a plugin with a single version is VERSION_NOT_FOUND", async () => {
    const p = pipeline();
    const pluginId = await installed(p, uniqueName("single"));
    const op = await p.apply("rollback", { pluginId });
    expect(op.error?.code).toBe("VERSION_NOT_FOUND");
  });

  it("uninstall: rows, config and every object gone; the nodes are told", async () => {
    const p = pipeline();
    const name = uniqueName("gone");
    const pluginId = await installed(p, name, ["1.0.0", "1.1.0"]);
    expect((await p.objects(`plugins/${pluginId}/`)).length).toBe(2);
    const r0 = await p.database.plugins.currentRevision();

    const op = await p.apply("uninstall", { pluginId });

    expect(op.error).toBeNull();
    expect(op.result).toMatchObject({ version: "1.1.0", deletedObjects: 2 });
    expect(op.steps.map((s) => s.state)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(await p.database.plugins.findById(pluginId)).toBeNull();
    expect(await p.database.plugins.findByName(name)).toBeNull();
    expect(await p.database.plugins.versions(pluginId)).toEqual([]);
    expect(await p.database.plugins.getConfig(pluginId)).toBeNull();
    expect(await p.objects(`plugins/${pluginId}/`)).toEqual([]);
    expect(await p.database.plugins.currentRevision()).toBe(r0 + 1);
    await expect
      .poll(() => p.eventsOf(op.jobId))
      .toEqual([expect.objectContaining({ pluginId, op: "uninstall", revision: r0 + 1 })]);

    const twice = await p.apply("uninstall", { pluginId });
    expect(twice.error?.code).toBe("PLUGIN_NOT_FOUND");
    expect(twice.attempts).toBe(1);
  });

  it("operations on a plugin that does not exist fail with PLUGIN_NOT_FOUND", async () => {
    const p = pipeline();
    const pluginId = "plugin_nobody_000000";
    for (const op of [
      await p.apply("enable", { pluginId }),
      await p.apply("configure", { pluginId, config: {} }),
      await p.apply("rollback", { pluginId }),
    ]) {
      expect(op.error?.code).toBe("PLUGIN_NOT_FOUND");
      expect(op.attempts).toBe(1);
    }
  });
});
