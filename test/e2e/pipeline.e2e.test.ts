import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import type { JobResource, Paged, PluginResource, PluginVersionResource, Problem } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import {
  buildExamplePlugin,
  buildPluginZip,
  type DatabaseKind,
  expectEveryNodeApplied,
  type JsonResponse,
  missingServices,
  type Platform,
  type StorageKind,
  skipReason,
  usePlatform,
} from "../harness/index.js";

// The job pipeline end to end, through HTTP only, against real processes: 2 API nodes (each
// also a runtime node) and 2 workers, on sqlite+fs and on mysql+s3.

const API = "/api/v1";
const MiB = 1024 * 1024;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retries `check` until it stops throwing, bounded; rethrows its last error. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await delay(200);
    }
  }
}

/** A mutation's answer: 202, Location to the job, a job body that has not finished yet or just did. */
function expectAccepted(res: JsonResponse<JobResource>, type: JobResource["type"]): JobResource {
  expect(res.status, res.text).toBe(202);
  expect(res.body.jobId).toEqual(expect.any(String));
  expect(res.headers.get("location")).toBe(`${API}/jobs/${res.body.jobId}`);
  expect(res.body.type).toBe(type);
  return res.body;
}

/** A finished job that succeeded and reached every API node. */
function expectSucceeded(job: JobResource, apis: number): void {
  expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
  expect(job.error).toBeNull();
  expect(job.finishedAt).not.toBeNull();
  expectEveryNodeApplied(job.result?.nodes, apis);
}

function expectProblem(res: JsonResponse<unknown>, status: number, code: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect((res.body as Problem).code).toBe(code);
}

async function getPlugin(p: Platform, pluginId: string, apiIndex = 0) {
  return p.call<PluginResource>("GET", `${API}/plugins/${pluginId}`, undefined, { apiIndex });
}

async function listPlugins(p: Platform, query = ""): Promise<Paged<PluginResource>> {
  const res = await p.call<Paged<PluginResource>>("GET", `${API}/plugins?pageSize=200${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function versionsOf(p: Platform, pluginId: string): Promise<PluginVersionResource[]> {
  const res = await p.call<Paged<PluginVersionResource>>("GET", `${API}/plugins/${pluginId}/versions`);
  expect(res.status, res.text).toBe(200);
  return res.body.items;
}

/** What the plugin list looks like, for "changed nothing" comparisons. */
async function pluginSnapshot(p: Platform): Promise<string[]> {
  const list = await listPlugins(p);
  return list.items.map((x) => `${x.pluginId}@${x.version}:${x.isEnabled}:${x.checksum}`).sort();
}

async function invoke(p: Platform, pluginId: string, action: string, params: unknown, apiIndex: number) {
  return p.call<{ result: unknown; pluginId: string; version: string; node: string } & Problem>(
    "POST",
    `${API}/plugins/${pluginId}/actions/${action}`,
    { params },
    { apiIndex },
  );
}

/** Every API node reports the plugin loaded at `version` (per-node state of GET /plugins/:id). */
async function expectLoadedEverywhere(p: Platform, pluginId: string, version: string): Promise<void> {
  await eventually(async () => {
    const res = await getPlugin(p, pluginId);
    expect(res.status).toBe(200);
    const states = (res.body.nodes ?? []).map((n) => `${n.nodeId}:${n.version}:${n.state}`).sort();
    expect(states).toEqual(p.apis.map((a) => `${a.nodeId}:${version}:loaded`).sort());
  });
}

/** Every API node answers an action call with `version` serving it. */
async function expectServedEverywhere(p: Platform, pluginId: string, version: string): Promise<void> {
  for (const api of p.apis) {
    await eventually(async () => {
      const res = await invoke(p, pluginId, "send", { message: `hello from ${api.nodeId}` }, api.index);
      expect(res.status, res.text).toBe(200);
      expect(res.body.version).toBe(version);
      expect(res.body.node).toBe(api.nodeId);
      expect(res.body.pluginId).toBe(pluginId);
    });
  }
}

/** Names in an API node's own plugin cache that belong to the plugin (archives, unpacked folders). */
async function cachedOn(p: Platform, apiIndex: number, pluginId: string): Promise<string[]> {
  const dir = p.apis[apiIndex]!.process.env.ARCADE_PLUGIN_LOCAL_CACHE_DIR!;
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.includes(pluginId));
}

/** Lines of every worker log that mention this job and carry this message. */
async function workerLogLines(p: Platform, jobId: string, message: string): Promise<number> {
  let count = 0;
  for (const worker of p.workers) {
    const text = await readFile(worker.logFile, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      if (line.includes(`"jobId":"${jobId}"`) && line.includes(`"msg":"${message}"`)) count += 1;
    }
  }
  return count;
}

function pipelineSuite(database: DatabaseKind, storage: StorageKind): void {
  const missing = missingServices({ database, storage });
  const title = `job pipeline on ${database}+${storage}${missing.length ? ` (${skipReason(missing)})` : ""}`;

  describe.skipIf(missing.length > 0)(title, () => {
    const APIS = 2;
    const platform = usePlatform({
      database,
      storage,
      apis: APIS,
      workers: 2,
      label: `pipeline-${database}-${storage}`,
      workerEnv: {
        // A killed worker's job goes to another worker after this, instead of 30 s.
        ARCADE_WORKER_LOCK_DURATION: "3s",
        // Six installs at once: each node loads them one after another, and a job whose change
        // no node answered in time fails (honest convergence); room for a loaded machine.
        ARCADE_NODE_CONVERGENCE_TIMEOUT: "30s",
      },
      // Room for archives big enough that the store step takes a moment.
      env: { ARCADE_PLUGIN_MAX_PLUGIN_SIZE: "100MiB" },
    });
    const suffix = randomBytes(3).toString("hex");

    it("takes the example plugin through install, disable, enable, update, rollback and uninstall", async () => {
      const p = platform();
      const zip100 = await buildExamplePlugin("notify-stdout");
      const zip110 = await buildExamplePlugin("notify-stdout", { version: "1.1.0" });
      const sum100 = sha256(await readFile(zip100));
      const sum110 = sha256(await readFile(zip110));
      const jobIds: string[] = [];

      // install
      const accepted = expectAccepted(await p.installZip(zip100), "install");
      expect(["queued", "running"]).toContain(accepted.state);
      jobIds.push(accepted.jobId);
      const installed = await p.waitJob(accepted.jobId);
      expectSucceeded(installed, APIS);
      expect(installed.result).toMatchObject({ version: "1.0.0", checksum: sum100 });
      expect(installed.steps.map((s) => `${s.name}:${s.state}`)).toEqual(
        ["fetch", "verify", "inspect", "store", "persist", "activate", "cleanup"].map(
          (s) => `${s}:succeeded`,
        ),
      );
      const pluginId = installed.pluginId!;
      expect(pluginId).toMatch(/^plugin_notify-stdout_[a-z0-9]{6}$/);

      const listed = await listPlugins(p, "&q=notify-stdout");
      expect(listed.items.map((x) => x.pluginId)).toEqual([pluginId]);
      expect(listed.items[0]).toMatchObject({
        name: "notify-stdout",
        version: "1.0.0",
        isEnabled: 1,
        isBuiltin: 0,
        pluginType: "notify",
        source: "local",
        checksum: sum100,
      });
      await expectLoadedEverywhere(p, pluginId, "1.0.0");
      await expectServedEverywhere(p, pluginId, "1.0.0");
      // Both API nodes read the same state.
      expect((await getPlugin(p, pluginId, 1)).body).toMatchObject({ version: "1.0.0", isEnabled: 1 });

      // disable: no node serves it any more
      const disable = expectAccepted(
        await p.call("POST", `${API}/plugins/${pluginId}/disable`, {}),
        "disable",
      );
      jobIds.push(disable.jobId);
      expectSucceeded(await p.waitJob(disable.jobId), APIS);
      expect((await getPlugin(p, pluginId)).body.isEnabled).toBe(0);
      for (const api of p.apis) {
        const res = await invoke(p, pluginId, "send", { message: "nobody home" }, api.index);
        expectProblem(res, 409, "PLUGIN_NOT_LOADED");
      }

      // enable
      const enable = expectAccepted(await p.call("POST", `${API}/plugins/${pluginId}/enable`, {}), "enable");
      jobIds.push(enable.jobId);
      expectSucceeded(await p.waitJob(enable.jobId), APIS);
      expect((await getPlugin(p, pluginId)).body.isEnabled).toBe(1);
      await expectServedEverywhere(p, pluginId, "1.0.0");

      // update to 1.1.0, through the other API node
      const update = expectAccepted(await p.updateZip(pluginId, zip110, { apiIndex: 1 }), "update");
      jobIds.push(update.jobId);
      const updated = await p.waitJob(update.jobId);
      expectSucceeded(updated, APIS);
      expect(updated.result).toMatchObject({ version: "1.1.0", checksum: sum110 });
      expect((await getPlugin(p, pluginId)).body).toMatchObject({ version: "1.1.0", checksum: sum110 });
      const versions = await versionsOf(p, pluginId);
      expect(versions.map((v) => `${v.version}:${v.current}`).sort()).toEqual(["1.0.0:false", "1.1.0:true"]);
      await expectLoadedEverywhere(p, pluginId, "1.1.0");
      await expectServedEverywhere(p, pluginId, "1.1.0");

      // rollback to 1.0.0
      const rollback = expectAccepted(
        await p.call("POST", `${API}/plugins/${pluginId}/rollback`, { version: "1.0.0" }),
        "rollback",
      );
      jobIds.push(rollback.jobId);
      const rolledBack = await p.waitJob(rollback.jobId);
      expectSucceeded(rolledBack, APIS);
      expect((await getPlugin(p, pluginId)).body).toMatchObject({ version: "1.0.0", checksum: sum100 });
      expect((await versionsOf(p, pluginId)).find((v) => v.current)?.version).toBe("1.0.0");
      await expectServedEverywhere(p, pluginId, "1.0.0");

      // uninstall: every trace goes
      expect((await p.listObjects(`plugins/${pluginId}/`)).length).toBeGreaterThan(0);
      for (const api of p.apis) expect(await cachedOn(p, api.index, pluginId)).not.toEqual([]);
      const uninstall = expectAccepted(await p.call("DELETE", `${API}/plugins/${pluginId}`), "uninstall");
      jobIds.push(uninstall.jobId);
      expectSucceeded(await p.waitJob(uninstall.jobId), APIS);
      expectProblem(await getPlugin(p, pluginId), 404, "PLUGIN_NOT_FOUND");
      expect((await listPlugins(p, "&q=notify-stdout")).items).toEqual([]);
      expect(await p.listObjects(`plugins/${pluginId}/`)).toEqual([]);
      expectProblem(await p.call("GET", `${API}/plugins/${pluginId}/config`), 404, "PLUGIN_NOT_FOUND");
      // No node runs it, and the API knows the plugin is gone (not merely unloaded).
      for (const api of p.apis) {
        const gone = await invoke(p, pluginId, "send", { message: "gone" }, api.index);
        expectProblem(gone, 404, "PLUGIN_NOT_FOUND");
      }

      // Each step was one job, all on record for the plugin.
      const history = await p.call<Paged<JobResource>>("GET", `${API}/jobs?pluginId=${pluginId}&pageSize=50`);
      expect(history.status).toBe(200);
      expect(history.body.items.map((j) => j.jobId).sort()).toEqual([...jobIds].sort());
      expect(history.body.items.every((j) => j.state === "succeeded")).toBe(true);
      expect(new Set(jobIds).size).toBe(6);
    });

    // Architecture §4: uninstall removes every resource, the nodes' caches included.
    it("clears every node's plugin cache on uninstall", async () => {
      const p = platform();
      const zip = await buildPluginZip({ name: `cached-${suffix}` });
      const install = await p.installZip(zip, { waitSeconds: 30 });
      expectSucceeded(install.body, APIS);
      const pluginId = install.body.pluginId!;
      for (const api of p.apis) expect(await cachedOn(p, api.index, pluginId)).not.toEqual([]);
      const uninstall = await p.call<JobResource>("DELETE", `${API}/plugins/${pluginId}?wait=30`);
      expect(uninstall.status, uninstall.text).toBe(200);
      expectSucceeded(uninstall.body, APIS);
      for (const api of p.apis) {
        await eventually(async () => expect(await cachedOn(p, api.index, pluginId)).toEqual([]), 5000);
      }
    });

    it("answers 409 OPERATION_IN_PROGRESS with inFlightJobId to the second of two mutations sent at once", async () => {
      const p = platform();
      const zip = await buildPluginZip({ name: `conflict-${suffix}` });
      const install = await p.installZip(zip, { waitSeconds: 30 });
      expect(install.status, install.text).toBe(200);
      expectSucceeded(install.body, APIS);
      const pluginId = install.body.pluginId!;

      // Pause the workers, so the accepted job cannot finish before the other request is judged.
      for (const w of p.workers) w.signal("SIGSTOP");
      let answers: JsonResponse<JobResource & Problem>[];
      try {
        answers = await Promise.all([
          p.call<JobResource & Problem>("POST", `${API}/plugins/${pluginId}/disable`, {}, { apiIndex: 0 }),
          p.call<JobResource & Problem>("DELETE", `${API}/plugins/${pluginId}`, undefined, { apiIndex: 1 }),
        ]);
      } finally {
        for (const w of p.workers) w.signal("SIGCONT");
      }
      const ok = answers.filter((a) => a.status === 202);
      const refused = answers.filter((a) => a.status === 409);
      expect(answers.map((a) => a.status).sort(), answers.map((a) => a.text).join("\n")).toEqual([202, 409]);
      const winner = ok[0]!.body;
      expectProblem(refused[0]!, 409, "OPERATION_IN_PROGRESS");
      expect(refused[0]!.body.inFlightJobId).toBe(winner.jobId);

      const done = await p.waitJob(winner.jobId);
      expectSucceeded(done, APIS);
      if (winner.type === "disable") {
        expect((await getPlugin(p, pluginId)).body.isEnabled).toBe(0);
      } else {
        expectProblem(await getPlugin(p, pluginId), 404, "PLUGIN_NOT_FOUND");
      }
      // Only the accepted mutation exists as a job.
      const jobs = await p.call<Paged<JobResource>>("GET", `${API}/jobs?pluginId=${pluginId}`);
      expect(jobs.body.items.map((j) => j.type).sort()).toEqual([winner.type, "install"].sort());
    });

    it("finishes an install exactly once when its worker is SIGKILLed during the store step", async () => {
      const p = platform();
      const [first, second] = p.workers;
      // One worker, so we know whom to kill.
      await second!.stop();
      try {
        let hitStore = false;
        // The store step of a big archive takes a while; retry with a bigger one if the kill missed it.
        for (const size of [24 * MiB, 48 * MiB, 80 * MiB]) {
          if (hitStore) break;
          const name = `slow-${suffix}-${size / MiB}`;
          const zip = await buildPluginZip({ name, paddingBytes: size });
          const accepted = expectAccepted(await p.installZip(zip), "install");
          const jobId = accepted.jobId;

          // Poll until the store step runs, then kill the worker.
          let seen: JobResource | null = null;
          const deadline = Date.now() + 60_000;
          while (Date.now() < deadline) {
            const res = await p.call<JobResource>("GET", `${API}/jobs/${jobId}`);
            seen = res.body;
            const store = seen.steps.find((s) => s.name === "store");
            if (store?.state === "running" || seen.state === "succeeded" || seen.state === "failed") break;
            await delay(5);
          }
          await first!.kill("SIGKILL");
          // Nobody can write to the job now: what it says is where the worker died.
          const atKill = (await p.call<JobResource>("GET", `${API}/jobs/${jobId}`)).body;
          hitStore = atKill.steps.find((s) => s.name === "store")?.state === "running";
          expect(seen?.state, JSON.stringify(seen)).not.toBe("failed");

          await first!.start();
          const job = await p.waitJob(jobId, { timeoutMs: 120_000 });
          expectSucceeded(job, APIS);
          const pluginId = job.pluginId!;

          // Exactly once: one plugin of that name, one version row, one artifact, one success.
          const listed = await listPlugins(p, `&q=${name}`);
          expect(listed.items.map((x) => x.pluginId)).toEqual([pluginId]);
          const versions = await versionsOf(p, pluginId);
          expect(versions.map((v) => v.version)).toEqual(["1.0.0"]);
          expect(versions[0]!.checksum).toBe(sha256(zip));
          expect(await workerLogLines(p, jobId, "operation succeeded")).toBe(1);
          if (hitStore) expect(await workerLogLines(p, jobId, "operation started")).toBeGreaterThanOrEqual(2);
          // Nothing staged is left; the stored artifact is the one version (a killed fs writer may
          // leave a *.tmp-* file, which the store sweeps later: not an object).
          expect(await p.listObjects("staging/")).toEqual([]);
          const objects = (await p.listObjects(`plugins/${pluginId}/`)).filter(
            (k) => !/\.tmp-[0-9a-f]+$/.test(k),
          );
          expect(objects).toEqual([`plugins/${pluginId}/1.0.0/${pluginId}_1.0.0.zip`]);
          await expectLoadedEverywhere(p, pluginId, "1.0.0");
          const call = await invoke(p, pluginId, "execute", { n: 1 }, 0);
          expect(call.status, call.text).toBe(200);
          process.stderr.write(
            `[e2e] ${database}+${storage}: ${size / MiB} MiB install, worker killed during step "${atKill.step}" (${hitStore ? "store" : "missed store"})\n`,
          );
        }
        expect(hitStore, "the kill never landed inside the store step").toBe(true);
      } finally {
        if (!first!.running) await first!.start();
        await second!.start();
      }
    });

    it("runs several installs in flight on two workers: all succeed, none twice", async () => {
      const p = platform();
      expect(p.workers.every((w) => w.running)).toBe(true);
      const names = Array.from({ length: 6 }, (_, i) => `batch-${suffix}-${i}`);
      const zips = await Promise.all(names.map((name) => buildPluginZip({ name, pluginType: "custom" })));
      const accepted = await Promise.all(zips.map((zip, i) => p.installZip(zip, { apiIndex: i % APIS })));
      const jobIds = accepted.map((res) => expectAccepted(res, "install").jobId);
      expect(new Set(jobIds).size).toBe(names.length);
      const jobs = await Promise.all(jobIds.map((id) => p.waitJob(id, { timeoutMs: 120_000 })));
      for (const job of jobs) expectSucceeded(job, APIS);
      expect(new Set(jobs.map((j) => j.pluginId)).size).toBe(names.length);

      for (const [i, name] of names.entries()) {
        const listed = await listPlugins(p, `&q=${name}`);
        expect(listed.items.map((x) => x.name)).toEqual([name]);
        expect(listed.items[0]!.pluginId).toBe(jobs[i]!.pluginId);
        expect((await versionsOf(p, jobs[i]!.pluginId!)).map((v) => v.version)).toEqual(["1.0.0"]);
        expect(await workerLogLines(p, jobs[i]!.jobId, "operation succeeded")).toBe(1);
      }
      expect(await p.listObjects("staging/")).toEqual([]);
    });

    const badArchives: {
      title: string;
      code: string;
      name: string;
      build: (name: string) => Promise<Uint8Array>;
    }[] = [
      {
        title: "a zip-slip archive",
        code: "ARCHIVE_UNSAFE",
        name: `slip-${suffix}`,
        build: (name) =>
          buildPluginZip({
            name,
            files: { "xx/evil.mjs": "export default 1;\n" },
            rawNames: { "xx/evil.mjs": "../evil.mjs" },
          }),
      },
      {
        title: "bytes that are no zip",
        code: "ARCHIVE_INVALID",
        name: `junk-${suffix}`,
        build: async () => randomBytes(4096),
      },
      {
        title: "a zip without manifest.json",
        code: "MANIFEST_MISSING",
        name: `nomanifest-${suffix}`,
        build: (name) => buildPluginZip({ name, omitManifest: true }),
      },
    ];
    for (const bad of badArchives) {
      it(`fails ${bad.title} with ${bad.code} in the inspect step and changes nothing`, async () => {
        const p = platform();
        const before = await pluginSnapshot(p);
        const accepted = expectAccepted(await p.installZip(await bad.build(bad.name)), "install");
        const job = await p.waitJob(accepted.jobId);
        expect(job.state).toBe("failed");
        expect(job.error?.code, JSON.stringify(job.error)).toBe(bad.code);
        if (bad.code === "ARCHIVE_UNSAFE") expect(JSON.stringify(job.error)).toContain("../evil.mjs");
        expect(job.steps.find((s) => s.name === "inspect")?.state).toBe("failed");
        expect(job.steps.find((s) => s.name === "store")?.state).toBe("pending");
        expect(job.pluginId).toBeNull();
        expect(await pluginSnapshot(p)).toEqual(before);
        expect(await p.listObjects("staging/")).toEqual([]);
        // Bad input is never retried.
        expect(await workerLogLines(p, job.jobId, "operation started")).toBe(1);
      });
    }

    it("refuses an upload over ARCADE_PLUGIN_MAX_PLUGIN_SIZE with 413 and changes nothing", async () => {
      const p = platform();
      const api = p.apis[1]!;
      await api.restart({ env: { ARCADE_PLUGIN_MAX_PLUGIN_SIZE: "64KiB" } });
      try {
        const before = await pluginSnapshot(p);
        const jobsBefore = (await p.call<Paged<JobResource>>("GET", `${API}/jobs?pageSize=1`)).body.total;
        // Streamed past the limit (small enough to pass the Content-Length precheck) ...
        const streamed = await buildPluginZip({ name: `big-${suffix}-a`, paddingBytes: 300 * 1024 });
        // ... and refused from its Content-Length alone.
        const declared = await buildPluginZip({ name: `big-${suffix}-b`, paddingBytes: 2 * MiB });
        for (const zip of [streamed, declared]) {
          const res = await p.installZip(zip, { apiIndex: api.index });
          expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
        }
        expect(await pluginSnapshot(p)).toEqual(before);
        expect((await p.call<Paged<JobResource>>("GET", `${API}/jobs?pageSize=1`)).body.total).toBe(
          jobsBefore,
        );
        expect(await p.listObjects("staging/")).toEqual([]);
      } finally {
        await api.restart({ env: {} });
      }
    });
  });
}

pipelineSuite("sqlite", "fs");
pipelineSuite("mysql", "s3");
