import { randomBytes } from "node:crypto";
import type { ChangePlan, JobResource, PluginResource } from "@arcade/contracts";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPluginZip, type Platform, usePlatform } from "../harness/index.js";
import { clusterNodes } from "../runtime/node-api.js";
import { waitUntil } from "../runtime/wait-until.js";

// Plans (docs/rollouts.md, "Plans"): `?dryRun=true` on a mutation answers what the job would do.
// For each kind of mutation, on a 3-node cluster: the plan first, then the real request, and
// the plan must match what happened: `blocked` empty exactly when the job succeeds, its first
// code the job's error code when it fails, the cascade what the job disabled or uninstalled,
// toVersion the job's result version. Every dry run must leave the database, the object store
// and the queue as they were.

const NODES = 3;

type Answer<T> = { status: number; body: T };

describe("rollouts: every plan matches what the real request then does", () => {
  const platform = usePlatform({
    apis: NODES,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label: "plans",
    // The suite compares plans with jobs, not how fast nodes load: on a busy machine a node may
    // take longer than the harness's 5 s to load a plugin, which would fail a job it builds on.
    env: { ARCADE_NODE_CONVERGENCE_TIMEOUT: "60s" },
  });
  const suffix = randomBytes(3).toString("hex");
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(process.env.ARCADE_TEST_REDIS_URL ?? "", {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    await redis.connect();
  });
  afterAll(() => {
    redis?.disconnect();
  });

  const zip = (name: string, version: string, manifest: Record<string, unknown> = {}) =>
    buildPluginZip({ name: `${name}-${suffix}`, version, manifest });

  /** A multipart install (no pluginId) or update, with `query` (e.g. `?dryRun=true`). */
  async function upload<T>(
    p: Platform,
    pluginId: string | null,
    bytes: Uint8Array,
    query = "",
    fields: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const form = new FormData();
    form.set("source", "local");
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    form.set("file", new Blob([new Uint8Array(bytes)], { type: "application/zip" }), "plugin.zip");
    const path = pluginId === null ? "/api/v1/plugins/install" : `/api/v1/plugins/${pluginId}`;
    // Each request goes to another node: every API process answers plans the same way.
    const res = await p.request(`${path}${query}`, {
      method: pluginId === null ? "POST" : "PUT",
      body: form,
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Everything a mutation could change, as the platform lists it. */
  async function footprint(p: Platform) {
    const plugins = (await p.call<{ items: PluginResource[] }>("GET", "/api/v1/plugins?pageSize=200")).body
      .items;
    const perPlugin = await Promise.all(
      plugins.map(async (pl) => ({
        plugin: `${pl.pluginId}@${pl.version}:${pl.isEnabled}:${pl.checksum}:${pl.updateTime}`,
        config: (await p.call("GET", `/api/v1/plugins/${pl.pluginId}/config`)).body,
        versions: (await p.call("GET", `/api/v1/plugins/${pl.pluginId}/versions`)).body,
      })),
    );
    const jobs = await p.call<{ items: JobResource[]; total: number }>("GET", "/api/v1/jobs?pageSize=200");
    const nodes = await clusterNodes(p);
    return {
      plugins: perPlugin.sort((a, b) => a.plugin.localeCompare(b.plugin)),
      jobs: { total: jobs.body.total, items: jobs.body.items.map((j) => `${j.jobId}:${j.state}`) },
      revisions: nodes.map((n) => `${n.nodeId}:${n.appliedRevision}`).sort(),
      objects: await p.listObjects(""),
      queue: await queueKeys(p),
    };
  }

  /** The queue's keys with their sizes (the event stream and the stalled-check marker aside). */
  async function queueKeys(p: Platform): Promise<string[]> {
    const pattern = `${p.resources.redisPrefix}:plugin-ops:*`;
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
      keys.push(...found);
      cursor = next;
    } while (cursor !== "0");
    const described: string[] = [];
    for (const key of keys.sort()) {
      if (/:(events|stalled-check|marker)$/.test(key)) continue;
      const type = await redis.type(key);
      const size =
        type === "list"
          ? await redis.llen(key)
          : type === "zset"
            ? await redis.zcard(key)
            : type === "set"
              ? await redis.scard(key)
              : type === "string"
                ? await redis.get(key)
                : "";
      described.push(`${key.slice(p.resources.redisPrefix.length)} ${type} ${size}`);
    }
    return described;
  }

  /** Runs a dry run between two listings of everything, which must be equal. */
  async function dryRun<T>(p: Platform, send: () => Promise<Answer<T>>): Promise<Answer<T>> {
    // The platform at rest first: the last job's trailing writes (queue bookkeeping) are done.
    let before = await footprint(p);
    await waitUntil("two listings in a row agree", async () => {
      const again = await footprint(p);
      const same = JSON.stringify(again) === JSON.stringify(before);
      before = again;
      return same ? true : undefined;
    });
    const answer = await send();
    expect(await footprint(p)).toEqual(before);
    return answer;
  }

  async function planOf(p: Platform, send: () => Promise<Answer<unknown>>): Promise<ChangePlan> {
    const answer = await dryRun(p, send);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as ChangePlan;
  }

  async function jobOf(p: Platform, answer: Answer<unknown>): Promise<JobResource> {
    expect([200, 202], JSON.stringify(answer.body)).toContain(answer.status);
    return p.waitJob((answer.body as JobResource).jobId);
  }

  /** The plan's promise against what the job did. */
  function expectMatch(plan: ChangePlan, job: JobResource): void {
    if (job.state === "succeeded") {
      expect(plan.blocked).toEqual([]);
      if (plan.toVersion !== null) expect(plan.toVersion).toBe(job.result?.version);
      expect(plan.dependencies.cascade.map((d) => d.pluginId)).toEqual(job.result?.cascaded ?? []);
    } else {
      expect(job.state).toBe("failed");
      expect(plan.blocked[0]?.code, JSON.stringify(plan.blocked)).toBe(job.error?.code);
    }
  }

  const json =
    (p: Platform, method: string, path: string, body: unknown = {}) =>
    async () => {
      const res = await p.call<unknown>(method, path, body);
      return { status: res.status, body: res.body };
    };

  it("install: a clean one, and one that needs a newer platform", async () => {
    const p = platform();
    const good = await zip("plan-inst", "1.0.0");
    const plan = await planOf(p, () => upload(p, null, good, "?dryRun=true"));
    expect(plan.rollout?.steps.at(-1)?.nodes).toHaveLength(NODES);
    expect(plan.rollout?.steps.at(-1)?.nodes.every((n) => n.serves["1.0.0"] === 100)).toBe(true);
    const job = await jobOf(p, await upload(p, null, good));
    expect(job.state).toBe("succeeded");
    expectMatch(plan, job);

    const tooNew = await zip("plan-new", "1.0.0", { minVersion: "99.0.0" });
    const refused = await planOf(p, () => upload(p, null, tooNew, "?dryRun=true"));
    expect(refused.platform).toMatchObject({ minVersion: "99.0.0", compatible: false });
    const failed = await jobOf(p, await upload(p, null, tooNew));
    expect(failed.error?.code).toBe("PLATFORM_VERSION_UNSUPPORTED");
    expectMatch(refused, failed);
  });

  it("update: a permission escalation, a stored config key the new schema refuses, then a clean update and its rollback", async () => {
    const p = platform();
    const base = await jobOf(
      p,
      await upload(p, null, await zip("plan-upd", "1.0.0", { permissions: { env: ["TZ"] } })),
    );
    const pluginId = base.pluginId ?? "";
    expect(base.state).toBe("succeeded");

    // 1. More permissions than the installed version: PERMISSIONS_ESCALATED.
    const wider = await zip("plan-upd", "2.0.0", { permissions: { env: ["TZ", "HOME"] } });
    const escalation = await planOf(p, () => upload(p, pluginId, wider, "?dryRun=true"));
    expect(escalation.permissions).toMatchObject({ added: ["env HOME"], escalated: true });
    const escalated = await jobOf(p, await upload(p, pluginId, wider));
    expect(escalated.error?.code).toBe("PERMISSIONS_ESCALATED");
    expectMatch(escalation, escalated);

    // 2. The stored config has a key the new version's schema refuses: CONFIG_INVALID.
    const configured = await jobOf(
      p,
      await json(p, "PUT", `/api/v1/plugins/${pluginId}/config`, { channel: "ops" })(),
    );
    expect(configured.state).toBe("succeeded");
    const strict = await zip("plan-upd", "2.0.0", {
      permissions: { env: ["TZ"] },
      configSchema: { type: "object", properties: { channel: { type: "integer" } } },
    });
    const invalid = await planOf(p, () => upload(p, pluginId, strict, "?dryRun=true"));
    expect(invalid.config?.invalidKeys).toEqual(["channel"]);
    const refused = await jobOf(p, await upload(p, pluginId, strict));
    expect(refused.error?.code).toBe("CONFIG_INVALID");
    expectMatch(invalid, refused);

    // 3. A clean update (the escalation approved): every node ends on 2.0.0.
    const accepted = await planOf(p, () => upload(p, pluginId, wider, "?dryRun=true&acceptPermissions=true"));
    expect(accepted.rollout?.steps.at(-1)?.nodes.map((n) => n.serves)).toEqual(
      Array.from({ length: NODES }, () => ({ "2.0.0": 100 })),
    );
    const updated = await jobOf(p, await upload(p, pluginId, wider, "?acceptPermissions=true"));
    expect(updated.state).toBe("succeeded");
    expectMatch(accepted, updated);

    // 4. The same version and bytes again: already applied, the job changes nothing.
    const again = await planOf(p, () => upload(p, pluginId, wider, "?dryRun=true"));
    expect(again).toMatchObject({ changed: false, blocked: [] });
    const unchanged = await jobOf(p, await upload(p, pluginId, wider));
    expect(unchanged.result?.changed).toBe(false);
    expectMatch(again, unchanged);

    // 5. Rollback to 1.0.0.
    const back = await planOf(p, json(p, "POST", `/api/v1/plugins/${pluginId}/rollback?dryRun=true`));
    expect(back).toMatchObject({ fromVersion: "2.0.0", toVersion: "1.0.0" });
    const rolled = await jobOf(p, await json(p, "POST", `/api/v1/plugins/${pluginId}/rollback`)());
    expect(rolled.state).toBe("succeeded");
    expectMatch(back, rolled);
  });

  it("update with a rollout: the plan's steps are the ones the job then drove, node by node", async () => {
    const p = platform();
    const base = await jobOf(p, await upload(p, null, await zip("plan-tp", "1.0.0")));
    expect(base.state, JSON.stringify(base.error)).toBe("succeeded");
    const pluginId = base.pluginId ?? "";
    const next = await zip("plan-tp", "2.0.0");
    const fields = { rollout: JSON.stringify({ strategy: "two-phase" }) };
    const plan = await planOf(p, () => upload(p, pluginId, next, "?dryRun=true", fields));
    const job = await jobOf(p, await upload(p, pluginId, next, "", fields));
    expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
    expectMatch(plan, job);
    const driven = job.result?.rollout as { steps: { kind: string; nodes: string[] }[] } | undefined;
    // Per step: the nodes that take the new version (serve it, or load it to serve it later).
    const planned = plan.rollout?.steps.map((s) => ({
      kind: s.kind,
      nodes: s.nodes
        .filter((n) => n.serves["2.0.0"] !== undefined || n.loads === "2.0.0")
        .map((n) => n.nodeId)
        .sort(),
    }));
    expect(planned).toEqual(driven?.steps.map((s) => ({ kind: s.kind, nodes: [...s.nodes].sort() })));
    expect(planned?.map((s) => s.kind)).toEqual(["prepare", "switch"]);
  });

  it("configure: a config the schema refuses (the request is refused with the plan's code), then a valid one", async () => {
    const p = platform();
    const installed = await jobOf(
      p,
      await upload(
        p,
        null,
        await zip("plan-conf", "1.0.0", {
          configSchema: {
            type: "object",
            properties: { retries: { type: "integer" } },
            additionalProperties: false,
          },
        }),
      ),
    );
    expect(installed.state, JSON.stringify(installed.error)).toBe("succeeded");
    const path = `/api/v1/plugins/${installed.pluginId}/config`;
    const bad = await planOf(p, json(p, "PUT", `${path}?dryRun=true`, { retries: "three", extra: 1 }));
    expect(bad.config?.invalidKeys).toContain("retries");
    const real = await p.call<{ code: string }>("PUT", path, { retries: "three", extra: 1 });
    expect(real.status).toBe(422);
    expect(bad.blocked[0]?.code).toBe(real.body.code);

    const good = await planOf(p, json(p, "PUT", `${path}?dryRun=true`, { retries: 3 }));
    const job = await jobOf(p, await json(p, "PUT", path, { retries: 3 })());
    expect(job.state).toBe("succeeded");
    expectMatch(good, job);
  });

  it("disable, enable and uninstall along a dependency chain: the cascade is what the job handled", async () => {
    const p = platform();
    const base = await jobOf(p, await upload(p, null, await zip("plan-base", "1.0.0")));
    const dependent = await jobOf(
      p,
      await upload(
        p,
        null,
        await zip("plan-user", "1.0.0", {
          dependencies: [{ name: `plan-base-${suffix}`, version: "^1.0.0" }],
        }),
      ),
    );
    expect([base.state, dependent.state], JSON.stringify([base.error, dependent.error])).toEqual([
      "succeeded",
      "succeeded",
    ]);
    const baseId = base.pluginId ?? "";
    const dependentId = dependent.pluginId ?? "";

    for (const [method, action] of [
      ["POST", "/disable"],
      ["DELETE", ""],
    ] as const) {
      const path = `/api/v1/plugins/${baseId}${action}`;
      const refused = await planOf(p, json(p, method, `${path}?dryRun=true`));
      expect(refused.dependencies.cascade.map((d) => d.pluginId)).toEqual([dependentId]);
      const failed = await jobOf(p, await json(p, method, path)());
      expect(failed.error?.code).toBe("DEPENDENTS_EXIST");
      expectMatch(refused, failed);
    }

    const disablePath = `/api/v1/plugins/${baseId}/disable`;
    const cascade = await planOf(p, json(p, "POST", `${disablePath}?dryRun=true&cascade=true`));
    const disabled = await jobOf(p, await json(p, "POST", `${disablePath}?cascade=true`)());
    expect(disabled.result?.cascaded).toEqual([dependentId]);
    expectMatch(cascade, disabled);

    // The dependent cannot come back before what it needs.
    const early = await planOf(p, json(p, "POST", `/api/v1/plugins/${dependentId}/enable?dryRun=true`));
    const notYet = await jobOf(p, await json(p, "POST", `/api/v1/plugins/${dependentId}/enable`)());
    expect(notYet.error?.code).toBe("DEPENDENCY_MISSING");
    expectMatch(early, notYet);
    for (const id of [baseId, dependentId]) {
      const plan = await planOf(p, json(p, "POST", `/api/v1/plugins/${id}/enable?dryRun=true`));
      expect(plan.rollout?.steps.at(-1)?.nodes.every((n) => n.serves["1.0.0"] === 100)).toBe(true);
      const job = await jobOf(p, await json(p, "POST", `/api/v1/plugins/${id}/enable`)());
      expect(job.state).toBe("succeeded");
      expectMatch(plan, job);
    }

    const uninstallPath = `/api/v1/plugins/${baseId}`;
    const removal = await planOf(p, json(p, "DELETE", `${uninstallPath}?dryRun=true`, { cascade: true }));
    expect(removal.rollout?.steps.at(-1)?.nodes.every((n) => Object.keys(n.serves).length === 0)).toBe(true);
    const removed = await jobOf(p, await json(p, "DELETE", uninstallPath, { cascade: true })());
    expect(removed.result?.cascaded).toEqual([dependentId]);
    expectMatch(removal, removed);
  });
});
