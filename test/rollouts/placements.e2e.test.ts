import { join } from "node:path";
import type { NodePluginState, RolloutPlacement } from "@arcade/contracts";
import { assignVersion, splitBuckets } from "@arcade/core";
import { type Database, openDatabase } from "@arcade/db";
import { afterAll, describe, expect, it } from "vitest";
import { type Platform, usePlatform } from "../harness/index.js";
import { clusterNodes, mutate, pluginDetail, uploadAndWait } from "../runtime/node-api.js";
import { waitUntil } from "../runtime/wait-until.js";
import { servedAtZip } from "./served-at-plugin.js";

// The node side of a rollout, driven by hand: a placement written straight into the database
// (t_plugin_rollout, with the revision bump, as the worker's driver writes it) and each node's
// answer checked over HTTP: what GET /plugins/:id reports it serves, and which version answers
// its calls. No Redis event is sent: the nodes find the new revision with their timer reconcile.

const API = "/api/v1";
const JOB = "job-placements-e2e";
const HEADER = "X-Caller";

interface Served {
  version: string;
  hostVersion: string;
  pid: number;
}

async function served(p: Platform, node: number, pluginId: string, caller?: string): Promise<Served> {
  const res = await p.call<{ result: { version: string; pid: number }; version: string }>(
    "POST",
    `${API}/plugins/${encodeURIComponent(pluginId)}/actions/execute`,
    { params: {} },
    { apiIndex: node, headers: caller === undefined ? {} : { [HEADER]: caller } },
  );
  if (res.status !== 200) throw new Error(`node ${node} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return { version: res.body.result.version, hostVersion: res.body.version, pid: res.body.result.pid };
}

/** The plugin's state on each node (in the order of p.apis), as GET /plugins/:id lists it. */
async function states(p: Platform, pluginId: string): Promise<(NodePluginState | undefined)[]> {
  const res = await pluginDetail(p, pluginId);
  if (res.status !== 200) throw new Error(`GET plugin answered ${res.status}`);
  return p.apis.map((api) => res.body.nodes?.find((n) => n.nodeId === api.nodeId));
}

describe("rollouts: nodes serve what the placement in the database puts on them", () => {
  const platform = usePlatform({
    apis: 3,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label: "placements",
    // A hold lasts until the switch below (not the suites' 5 s), however slow the machine.
    env: { ARCADE_NODE_CONVERGENCE_TIMEOUT: "60s" },
  });
  let db: Database | null = null;
  afterAll(async () => {
    await db?.close();
  });

  it("canary, A/B split sticky per caller key, hold, and the switch to the instance already loaded", async () => {
    const p = platform();
    const name = `placed-${p.id.slice(-6)}`;
    const { pluginId } = await uploadAndWait(p, await servedAtZip(name, "1.0.0"));
    await uploadAndWait(p, await servedAtZip(name, "2.0.0"), { pluginId });
    // Back on 1.0.0 with 2.0.0 kept as a version row: where a rollout from 1.0.0 to 2.0.0 starts.
    const rolledBack = await mutate(p, "POST", `${API}/plugins/${pluginId}/rollback`, { version: "1.0.0" });
    expect(rolledBack.state).toBe("succeeded");

    db = await openDatabase({ type: "sqlite", path: join(p.sharedDataDir!, "arcade.db") });
    const database = db;
    const nodeIds = p.apis.map((a) => a.nodeId);
    const waitApplied = (revision: number) =>
      waitUntil(`every node applied revision ${revision}`, async () => {
        const nodes = await clusterNodes(p);
        return nodeIds.every((id) => (nodes.find((n) => n.nodeId === id)?.appliedRevision ?? 0) >= revision)
          ? true
          : undefined;
      });
    const place = async (shape: Pick<RolloutPlacement, "nodes" | "alongside" | "hold">) => {
      const revision = await database.plugins.transaction(async (tx) => {
        await tx.putPlacement({ pluginId, jobId: JOB, fromVersion: "1.0.0", toVersion: "2.0.0", ...shape });
        return tx.bumpRevision();
      });
      await waitApplied(revision);
    };

    // canary: only the second node runs 2.0.0.
    await place({ nodes: [nodeIds[1]!], alongside: null, hold: false });
    expect((await states(p, pluginId)).map((s) => s?.version)).toEqual(["1.0.0", "2.0.0", "1.0.0"]);
    for (const [node, version] of [
      [0, "1.0.0"],
      [1, "2.0.0"],
      [2, "1.0.0"],
    ] as const) {
      expect(await served(p, node, pluginId)).toMatchObject({ version, hostVersion: version });
    }

    // A/B: every node serves 1.0.0 and loads 2.0.0 beside it for half of the calls; a caller
    // key gets the same version on every node, the one core's assignVersion gives.
    await place({
      nodes: [],
      alongside: { share: 50, salt: "salt-e2e", callerKeyHeader: HEADER },
      hold: false,
    });
    const split = await states(p, pluginId);
    expect(split.map((s) => [s?.version, s?.serving])).toEqual(
      nodeIds.map(() => ["1.0.0", { "1.0.0": 50, "2.0.0": 50 }]),
    );
    const buckets = splitBuckets({ "2.0.0": 50 }, "1.0.0");
    const secondPid = new Map<number, number>();
    for (let i = 0; i < 12; i++) {
      const caller = `caller-${i}`;
      const expected = assignVersion(buckets, { callerKey: caller, salt: "salt-e2e" });
      for (const node of [0, 1, 2]) {
        const answer = await served(p, node, pluginId, caller);
        expect(answer, `${caller} on node ${node}`).toMatchObject({
          version: expected,
          hostVersion: expected,
        });
        if (answer.version === "2.0.0") secondPid.set(node, answer.pid);
      }
    }
    // 12 callers at 50% all on one side: 2 * 0.5^12; the test needs a 2.0.0 process seen per node.
    expect([...secondPid.keys()].sort()).toEqual([0, 1, 2]);

    // two-phase freeze: 2.0.0 prepared (share 0), new calls held on every node.
    await place({ nodes: [], alongside: { share: 0, salt: "salt-e2e", callerKeyHeader: null }, hold: true });
    const frozen = await states(p, pluginId);
    expect(frozen.map((s) => [s?.serving, s?.holding])).toEqual(
      nodeIds.map(() => [{ "1.0.0": 100, "2.0.0": 0 }, true]),
    );
    const held = served(p, 0, pluginId);

    // The switch (what the driver's completion writes): the plugin row moves to 2.0.0 and the
    // placement goes, in one transaction with the revision bump.
    const revision = await database.plugins.transaction(async (tx) => {
      const v2 = (await tx.versions(pluginId)).find((v) => v.version === "2.0.0")!;
      await tx.updatePlugin(pluginId, {
        version: v2.version,
        checksum: v2.checksum,
        manifest: v2.manifest,
        s3Path: v2.objectKey,
        updateTime: new Date(),
      });
      await tx.deletePlacement(pluginId);
      return tx.bumpRevision();
    });
    // The held call was served after the switch, by the instance prepared beside 1.0.0.
    expect(await held).toEqual({ version: "2.0.0", hostVersion: "2.0.0", pid: secondPid.get(0) });
    await waitApplied(revision);
    const after = await states(p, pluginId);
    for (const state of after) {
      expect(state).toMatchObject({ version: "2.0.0", state: "loaded" });
      expect(state).not.toHaveProperty("serving");
      expect(state).not.toHaveProperty("holding");
    }
    // Promoted, not reloaded: every node answers from the same process that served its 2.0.0 calls.
    for (const node of [0, 1, 2]) {
      expect(await served(p, node, pluginId, "caller-0")).toEqual({
        version: "2.0.0",
        hostVersion: "2.0.0",
        pid: secondPid.get(node),
      });
    }
  });
});
