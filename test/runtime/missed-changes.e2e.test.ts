import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { JobResource } from "@arcade/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildExamplePlugin,
  expectEveryNodeApplied,
  type Platform,
  serviceAddresses,
  usePlatform,
} from "../harness/index.js";
import { missingForRuntime, preferredBackends, suiteName } from "./backends.js";
import { clusterNodes, invoke, metrics, mutate, pluginDetail, uploadAndWait } from "./node-api.js";
import { SilentRedisProxy } from "./silent-redis-proxy.js";
import { waitUntil } from "./wait-until.js";

// Desired state is the database; events only say "look now". A node that is paused, or whose
// subscription silently died, while changes happen must end up in the latest state by itself,
// without anyone making another change; a node killed outright loads the current set on boot.
const missing = missingForRuntime();
const NODES = 3;
/** The harness runs nodes with a 2 s reconcile timer: a few intervals is plenty. */
const CONVERGE_MS = 20_000;

/** pluginId -> version of what a node has loaded (state "loaded" only). */
async function loadedSet(p: Platform, apiIndex: number): Promise<Record<string, string>> {
  const rows = await metrics(p, apiIndex);
  const loaded = rows
    .filter((r) => r.state === "loaded")
    .map((r): [string, string] => [r.pluginId, r.version]);
  // Sorted, so two sets compare equal as JSON text whatever order the nodes loaded them in.
  return Object.fromEntries(loaded.sort(([a], [b]) => a.localeCompare(b)));
}

async function appliedRevision(p: Platform, nodeId: string, viaApi: number): Promise<number | undefined> {
  return (await clusterNodes(p, viaApi)).find((n) => n.nodeId === nodeId)?.appliedRevision;
}

/**
 * Waits until node `apiIndex` has loaded exactly what node `refIndex` has and reports the same
 * applied revision, asking only (no change is made meanwhile).
 */
async function waitConverged(p: Platform, apiIndex: number, refIndex: number): Promise<void> {
  const node = p.apis[apiIndex];
  const ref = p.apis[refIndex];
  if (!node || !ref) throw new Error("no such api");
  const want = await loadedSet(p, refIndex);
  const revision = await appliedRevision(p, ref.nodeId, refIndex);
  await waitUntil(
    `node ${apiIndex} loaded ${JSON.stringify(want)} at revision ${revision}`,
    async () => {
      const have = await loadedSet(p, apiIndex);
      const rev = await appliedRevision(p, node.nodeId, refIndex);
      return JSON.stringify(have) === JSON.stringify(want) && rev === revision ? true : undefined;
    },
    {
      timeoutMs: CONVERGE_MS,
      describe: async () =>
        `${JSON.stringify(await loadedSet(p, apiIndex).catch((e: Error) => e.message))} at revision ${await appliedRevision(p, node.nodeId, refIndex).catch(() => "?")}`,
    },
  );
}

function expectApplied(job: JobResource, nodes: number): void {
  expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
  expectEveryNodeApplied(job.result?.nodes, nodes);
}

/** The `msg:"reconciled plugins"` log lines in `text`, as { reason }. */
function reconcileReasons(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.includes('"msg":"reconciled plugins"'))
    .map((line) => {
      try {
        return String((JSON.parse(line) as { reason?: unknown }).reason);
      } catch {
        return "(unparsable)";
      }
    });
}

describe.skipIf(missing.length > 0)(
  suiteName("runtime: nodes converge after missed changes", missing),
  () => {
    const platform = usePlatform({ apis: NODES, workers: 1, ...preferredBackends(), label: "rt-missed" });
    let notify = "";
    let lab = "";
    let proxy: SilentRedisProxy | null = null;

    beforeAll(async () => {
      const p = platform();
      notify = (await uploadAndWait(p, await buildExamplePlugin("notify-stdout"))).pluginId;
      lab = (await uploadAndWait(p, await buildExamplePlugin("custom-lab"))).pluginId;
      for (let i = 0; i < NODES; i += 1) {
        expect(Object.keys(await loadedSet(p, i)).sort()).toEqual([notify, lab].sort());
      }
    });

    afterAll(async () => {
      // This hook runs before the platform's own: stop the node behind the relay first, so its
      // shutdown does not hang on a Redis that vanished.
      if (proxy) await platform().apis[2]?.stop();
      await proxy?.close();
    });

    it("a paused node (SIGSTOP) catches up with three changes after SIGCONT, with no new change", async () => {
      const p = platform();
      const paused = p.apis[2];
      if (!paused) throw new Error("no api-2");
      paused.signal("SIGSTOP");
      try {
        // Once its heartbeat expired, jobs stop waiting for it.
        await waitUntil("the paused node drops out of the live nodes", async () =>
          (await clusterNodes(p, 0)).some((n) => n.nodeId === paused.nodeId) ? undefined : true,
        );
        expectApplied(
          await uploadAndWait(p, await buildExamplePlugin("notify-stdout", { version: "1.1.0" }), {
            pluginId: notify,
          }),
          NODES - 1,
        );
        expectApplied(
          await mutate(p, "PUT", `/api/v1/plugins/${notify}/config`, {
            prefix: "[while-paused]",
            json: false,
          }),
          NODES - 1,
        );
        expectApplied(await mutate(p, "POST", `/api/v1/plugins/${lab}/disable`, undefined, 1), NODES - 1);
      } finally {
        paused.signal("SIGCONT");
      }

      await waitConverged(p, 2, 0);
      expect(await loadedSet(p, 2)).toEqual({ [notify]: "1.1.0" });
      const sent = await invoke<{ line: string }>(p, 2, notify, "send", { message: "back from the pause" });
      expect(sent.status, sent.text).toBe(200);
      expect(sent.body.version).toBe("1.1.0");
      expect(sent.body.result.line).toBe("[while-paused] INFO back from the pause");
      const gone = await invoke(p, 2, lab, "execute", {});
      expect(gone.status).toBe(409);
      expect(gone.body.code).toBe("PLUGIN_NOT_LOADED");
    });

    it("a node whose subscription silently died converges through its reconcile timer alone", async () => {
      const p = platform();
      const node = p.apis[2];
      const redisUrl = serviceAddresses().redisUrl;
      if (!node || !redisUrl) throw new Error("no api-2 or Redis");
      proxy = await SilentRedisProxy.start(redisUrl);
      // Same node, now reaching Redis through the relay. On boot it loads the current set.
      await node.restart({ env: { ARCADE_REDIS_URL: proxy.url } });
      expect(await loadedSet(p, 2)).toEqual(await loadedSet(p, 0));

      const silenced = proxy.silence(/plugin-events:subscriber/);
      expect(silenced, JSON.stringify(proxy.connections())).toBe(1);
      const logFrom = (await node.output()).length;

      // Three changes the node never hears about. Jobs still wait for it (it heartbeats), and
      // get their answer once its timer reconciled; only success is asserted here.
      const changes = [
        await mutate(p, "POST", `/api/v1/plugins/${lab}/enable`),
        await uploadAndWait(p, await buildExamplePlugin("notify-stdout", { version: "1.2.0" }), {
          pluginId: notify,
          apiIndex: 1,
        }),
        await mutate(p, "PUT", `/api/v1/plugins/${notify}/config`, { prefix: "[silent]", json: false }),
      ];
      for (const job of changes) expect(job.state, JSON.stringify(job.error)).toBe("succeeded");

      await waitConverged(p, 2, 0);
      expect(await loadedSet(p, 2)).toEqual({ [notify]: "1.2.0", [lab]: "1.0.0" });
      const sent = await invoke<{ line: string }>(p, 2, notify, "send", { message: "never heard a thing" });
      expect(sent.body.version).toBe("1.2.0");
      expect(sent.body.result.line).toBe("[silent] INFO never heard a thing");
      expect((await invoke(p, 2, lab, "execute", { x: 1 })).status).toBe(200);

      // It really was the timer: the subscription stayed silent (no reconnect), and every
      // reconcile that changed something on this node since the cut was a timer run.
      expect(proxy.connections().filter((c) => c.cut)).toHaveLength(1);
      const reasons = reconcileReasons((await node.output()).slice(logFrom));
      expect(reasons.length).toBeGreaterThan(0);
      expect(
        reasons.every((r) => r === "timer"),
        reasons.join(", "),
      ).toBe(true);

      // Hanging up makes it reconnect; events reach it again.
      expect(proxy.hangUpSilenced()).toBe(1);
      await waitUntil("the node resubscribed through the relay", async () =>
        proxy?.connections().some((c) => !c.cut && /plugin-events:subscriber/.test(c.hello))
          ? true
          : undefined,
      );
      const disabled = await mutate(p, "POST", `/api/v1/plugins/${lab}/disable`, undefined, 2);
      expectApplied(disabled, NODES);
      expect(await loadedSet(p, 2)).toEqual({ [notify]: "1.2.0" });
    });

    it("a node killed with SIGKILL loads the current plugin set when it starts again", async () => {
      const p = platform();
      const victim = p.apis[1];
      if (!victim) throw new Error("no api-1");
      const pidBefore = victim.pid;
      const exit = await victim.kill("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");

      // Changes while it is down.
      expect((await mutate(p, "POST", `/api/v1/plugins/${lab}/enable`)).state).toBe("succeeded");
      await uploadAndWait(p, await buildExamplePlugin("custom-lab", { version: "1.1.0" }), { pluginId: lab });
      expect(
        (await mutate(p, "PUT", `/api/v1/plugins/${notify}/config`, { prefix: "[after-kill]", json: true }))
          .state,
      ).toBe("succeeded");
      // And its cached copy of notify-stdout got damaged meanwhile: it must not trust it.
      const cachedZip = join(p.runDir, "cache", "api-1", `${notify}_1.2.0.zip`);
      await writeFile(cachedZip, "not the artifact");
      const checksum = (await pluginDetail(p, notify)).body.checksum;

      await victim.start();
      expect(victim.pid).not.toBe(pidBefore);
      // Ready means booted: the first reconcile ran before the server listened.
      expect(await loadedSet(p, 1)).toEqual({ [notify]: "1.2.0", [lab]: "1.1.0" });
      const sent = await invoke<{ line: string }>(p, 1, notify, "send", { message: "reborn" });
      expect(sent.status, sent.text).toBe(200);
      expect(JSON.parse(sent.body.result.line)).toMatchObject({ prefix: "[after-kill]", message: "reborn" });
      const lab11 = await invoke(p, 1, lab, "execute", {});
      expect(lab11.body.version).toBe("1.1.0");
      await waitConverged(p, 1, 0);
      // The damaged copy was replaced by the verified artifact from the object store.
      expect(
        createHash("sha256")
          .update(await readFile(cachedZip))
          .digest("hex"),
      ).toBe(checksum);
    });
  },
);
