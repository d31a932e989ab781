import { afterEach, expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import { leftovers, snapshot } from "./testing/leftovers.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

describeOnBackends("retries", { attempts: 3, backoffMs: 50 }, (pipeline) => {
  afterEach(() => {
    const p = pipeline();
    p.store.failPuts = 0;
    p.plugins.failTransactions = 0;
  });

  it("retries a failing object store with backoff and succeeds once, with one version row", async () => {
    const p = pipeline();
    const name = uniqueName("flaky");
    p.store.failPuts = 2;
    const putsBefore = p.store.puts;

    const op = await p.install(await pluginZip(manifestOf(name, "1.0.0")));

    expect(op.error).toBeNull();
    expect(op.state).toBe("succeeded");
    expect(op.attempts).toBe(3);
    expect(p.store.puts - putsBefore).toBe(3);
    expect(op.steps.every((s) => s.state === "succeeded")).toBe(true);
    const versions = await p.database.plugins.versions(op.pluginId!);
    expect(versions.map((v) => v.version)).toEqual(["1.0.0"]);
    expect(await p.objects(`plugins/${op.pluginId}/`)).toEqual([versions[0]!.objectKey]);
    expect(await p.objects("staging/")).not.toContain(`staging/${op.jobId}`);
    // One announcement: the failed attempts never got as far as persist.
    await expect.poll(() => p.eventsOf(op.jobId).length).toBe(1);
    const job = await p.settledJob(op.jobId);
    expect(await job.getState()).toBe("completed");
  });

  it("fails with STORAGE_UNAVAILABLE when the faults outlast the attempts, leaving nothing behind", async () => {
    const p = pipeline();
    const name = uniqueName("down");
    p.store.failPuts = 10;
    const before = await snapshot(p);

    const op = await p.install(await pluginZip(manifestOf(name, "1.0.0")));

    expect(op.state).toBe("failed");
    expect(op.error?.code).toBe("STORAGE_UNAVAILABLE");
    expect(op.attempts).toBe(3);
    expect(op.pluginId).not.toBeNull();
    expect(await leftovers(p, op, name, before)).toEqual([]);
    const job = await p.settledJob(op.jobId);
    expect(job.attemptsMade).toBe(3);
    expect(await job.getState()).toBe("failed");
  });

  it("a database outage at persist: retried; the stored artifact is reused, not uploaded again", async () => {
    const p = pipeline();
    const name = uniqueName("dbblip");
    p.plugins.failTransactions = 1;
    const putsBefore = p.store.puts;

    const op = await p.install(await pluginZip(manifestOf(name, "1.0.0")));

    expect(op.error).toBeNull();
    expect(op.attempts).toBe(2);
    expect(p.store.puts - putsBefore).toBe(1);
    expect((await p.database.plugins.versions(op.pluginId!)).length).toBe(1);
    expect((await p.objects(`plugins/${op.pluginId}/`)).length).toBe(1);
  });

  it("a database outage at persist that outlasts the attempts: the stored artifact is swept", async () => {
    const p = pipeline();
    const name = uniqueName("dbdown");
    p.plugins.failTransactions = 10;
    const before = await snapshot(p);

    const op = await p.install(await pluginZip(manifestOf(name, "1.0.0")));

    expect(op.state).toBe("failed");
    expect(op.error?.code).toBe("DATABASE_UNAVAILABLE");
    expect(op.attempts).toBe(3);
    expect(op.steps.find((s) => s.name === "store")?.state).toBe("succeeded");
    expect(await leftovers(p, op, name, before)).toEqual([]);
  });

  it("an update whose persist never succeeds leaves the installed versions and objects untouched", async () => {
    const p = pipeline();
    const name = uniqueName("updown");
    const installed = await p.install(await pluginZip(manifestOf(name, "1.0.0")));
    const pluginId = installed.pluginId!;
    const objectsBefore = await p.objects(`plugins/${pluginId}/`);
    p.plugins.failTransactions = 10;

    const op = await p.update(pluginId, await pluginZip(manifestOf(name, "1.1.0")));

    expect(op.error?.code).toBe("DATABASE_UNAVAILABLE");
    expect(await p.objects(`plugins/${pluginId}/`)).toEqual(objectsBefore);
    expect((await p.database.plugins.versions(pluginId)).map((v) => v.version)).toEqual(["1.0.0"]);
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.0.0" });
    expect(await p.objects("staging/")).not.toContain(`staging/${op.jobId}`);
  });
});
