import { PluginStatus } from "@arcade/contracts";
import type { JobRecord } from "@arcade/core";
import { expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import { leftovers, snapshot } from "./testing/leftovers.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

// Dependencies and compatibility, through the worker on real services: a chain of three
// plugins (c depends on b ^1, b depends on a ^1) installed, updated, disabled and
// uninstalled with and without cascade; minVersion against the platform version.

function zipOf(name: string, version: string, dependencies: { name: string; version: string }[] = []) {
  return pluginZip(manifestOf(name, version, dependencies.length ? { dependencies } : {}));
}

async function status(p: Pipeline, pluginId: string): Promise<PluginStatus | undefined> {
  return (await p.database.plugins.findById(pluginId))?.isEnabled;
}

function ok(op: JobRecord): JobRecord {
  expect(op.error, JSON.stringify(op.error)).toBeNull();
  expect(op.state).toBe("succeeded");
  return op;
}

describeOnBackends("dependencies", {}, (pipeline) => {
  it("a chain of three: installed, updated, disabled, enabled and uninstalled by the rules", async () => {
    const p = pipeline();
    const a = uniqueName("dep-a");
    const b = uniqueName("dep-b");
    const c = uniqueName("dep-c");
    const zips = {
      a1: await zipOf(a, "1.0.0"),
      a2: await zipOf(a, "2.0.0"),
      b: await zipOf(b, "1.0.0", [{ name: a, version: "^1" }]),
      c: await zipOf(c, "1.0.0", [{ name: b, version: "^1" }]),
    };

    // Out of order: each names what it is missing, and leaves nothing behind.
    let before = await snapshot(p);
    const early = await p.install(zips.c);
    expect(early.error?.code).toBe("DEPENDENCY_MISSING");
    expect(early.error?.message).toContain(`${b}@^1`);
    expect(early.error?.errors).toEqual([{ path: "/dependencies/0", message: `${b}@^1 is not installed` }]);
    expect(early.attempts).toBe(1);
    expect(await leftovers(p, early, c, before)).toEqual([]);
    before = await snapshot(p);
    const bFirst = await p.install(zips.b);
    expect(bFirst.error?.code).toBe("DEPENDENCY_MISSING");
    expect(bFirst.error?.errors?.[0]?.message).toContain(a);
    expect(await leftovers(p, bFirst, b, before)).toEqual([]);

    // In order: fine.
    const idA = ok(await p.install(zips.a1)).pluginId!;
    const idB = ok(await p.install(zips.b)).pluginId!;
    const idC = ok(await p.install(zips.c)).pluginId!;

    // a 2.0.0 would break b (^1).
    const up = await p.update(idA, zips.a2);
    expect(up.error?.code).toBe("DEPENDENCY_VERSION");
    expect(up.error?.message).toContain(`${b} needs ^1`);
    expect(up.error?.errors).toEqual([{ path: "/version", message: `${b} requires ${a}@^1` }]);
    expect(await p.database.plugins.findById(idA)).toMatchObject({ version: "1.0.0" });
    expect(await p.objects(`plugins/${idA}/`)).toHaveLength(1);

    // disable a: b depends on it.
    const refused = await p.apply("disable", { pluginId: idA });
    expect(refused.error?.code).toBe("DEPENDENTS_EXIST");
    expect(refused.attempts).toBe(1);
    expect(refused.error?.message).toContain(`${b} (${idB})`);
    expect(refused.error?.errors).toEqual([
      { path: "/dependents/0", message: `${b} 1.0.0 (${idB}) requires ${a}@^1` },
    ]);
    expect(await status(p, idA)).toBe(PluginStatus.Enabled);

    // With cascade: c, then b, then a, in one change.
    const r0 = await p.database.plugins.currentRevision();
    const cascaded = ok(await p.apply("disable", { pluginId: idA, cascade: true }));
    expect(cascaded.result).toMatchObject({ changed: true, cascaded: [idC, idB] });
    for (const id of [idA, idB, idC]) expect(await status(p, id)).toBe(PluginStatus.Disabled);
    // One change, one revision, one event about a: nodes unload a's loaded dependents with it.
    expect(await p.database.plugins.currentRevision()).toBe(r0 + 1);
    await expect
      .poll(() => p.eventsOf(cascaded.jobId))
      .toEqual([expect.objectContaining({ pluginId: idA, op: "disable", revision: r0 + 1 })]);

    // c cannot come back while b is off; in order they all can.
    const cAlone = await p.apply("enable", { pluginId: idC });
    expect(cAlone.error?.code).toBe("DEPENDENCY_MISSING");
    expect(cAlone.error?.errors).toEqual([
      { path: "/dependencies/0", message: `${b} 1.0.0 is installed but not enabled` },
    ]);
    expect(await status(p, idC)).toBe(PluginStatus.Disabled);
    for (const id of [idA, idB, idC]) ok(await p.apply("enable", { pluginId: id }));

    // A disabled dependent does not hold its dependency: disable c, then b alone is fine.
    ok(await p.apply("disable", { pluginId: idC }));
    ok(await p.apply("disable", { pluginId: idB }));
    ok(await p.apply("enable", { pluginId: idB }));
    ok(await p.apply("enable", { pluginId: idC }));

    // uninstall a: refused, then with cascade every one of them goes, rows and objects.
    const keep = await p.apply("uninstall", { pluginId: idA });
    expect(keep.error?.code).toBe("DEPENDENTS_EXIST");
    expect(await p.database.plugins.findById(idA)).not.toBeNull();
    const gone = ok(await p.apply("uninstall", { pluginId: idA, cascade: true }));
    expect(gone.result).toMatchObject({ cascaded: [idC, idB], deletedObjects: 3 });
    for (const id of [idA, idB, idC]) {
      expect(await p.database.plugins.findById(id)).toBeNull();
      expect(await p.database.plugins.versions(id)).toEqual([]);
      expect(await p.objects(`plugins/${id}/`)).toEqual([]);
    }
  });

  it("update of a dependent to a range the installed dependency misses: DEPENDENCY_VERSION", async () => {
    const p = pipeline();
    const a = uniqueName("base");
    const b = uniqueName("user");
    ok(await p.install(await zipOf(a, "1.0.0")));
    const idB = ok(await p.install(await zipOf(b, "1.0.0", [{ name: a, version: "^1" }]))).pluginId!;
    const up = await p.update(idB, await zipOf(b, "1.1.0", [{ name: a, version: "^2" }]));
    expect(up.error?.code).toBe("DEPENDENCY_VERSION");
    expect(up.error?.errors).toEqual([
      { path: "/dependencies/0", message: `${a} 1.0.0 is installed; ^2 is required` },
    ]);
    expect(await p.database.plugins.findById(idB)).toMatchObject({ version: "1.0.0" });
  });

  it("rollback below a dependent's range, and a cycle through an update, are refused", async () => {
    const p = pipeline();
    const x = uniqueName("lib");
    const y = uniqueName("app");
    const idX = ok(await p.install(await zipOf(x, "0.9.0"))).pluginId!;
    ok(await p.update(idX, await zipOf(x, "1.0.0")));
    ok(await p.install(await zipOf(y, "1.0.0", [{ name: x, version: "^1" }])));

    const back = await p.apply("rollback", { pluginId: idX });
    expect(back.error?.code).toBe("DEPENDENCY_VERSION");
    expect(await p.database.plugins.findById(idX)).toMatchObject({ version: "1.0.0" });

    const cycle = await p.update(idX, await zipOf(x, "1.1.0", [{ name: y, version: "^1" }]));
    expect(cycle.error?.code).toBe("MANIFEST_INVALID");
    expect(cycle.error?.errors?.[0]?.message).toBe(`cycle: ${x} -> ${y} -> ${x}`);
  });

  it("minVersion above the platform: PLATFORM_VERSION_UNSUPPORTED; at or below: installed", async () => {
    const p = pipeline();
    const name = uniqueName("future");
    const before = await snapshot(p);
    const op = await p.install(await pluginZip(manifestOf(name, "1.0.0", { minVersion: "99.0.0" })));
    expect(op.error?.code).toBe("PLATFORM_VERSION_UNSUPPORTED");
    expect(op.error?.errors).toEqual([
      { path: "/minVersion", message: "needs 99.0.0; the platform is 1.0.0" },
    ]);
    expect(op.attempts).toBe(1);
    expect(await leftovers(p, op, name, before)).toEqual([]);

    const saved = p.services.settings.platformVersion;
    p.services.settings.platformVersion = "99.1.0";
    try {
      ok(await p.install(await pluginZip(manifestOf(name, "1.0.0", { minVersion: "99.0.0" }))));
    } finally {
      if (saved === undefined) delete p.services.settings.platformVersion;
      else p.services.settings.platformVersion = saved;
    }
  });
});
