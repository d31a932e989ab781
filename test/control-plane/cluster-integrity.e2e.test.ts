import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildExamplePlugin,
  expectEveryNodeApplied,
  missingServices,
  serviceAddresses,
  skipReason,
  usePlatform,
} from "../harness/index.js";

// Issue 13, on a running platform (1 API node + 1 worker, SQLite + fs): whoever can write to
// Redis without the cluster secret can neither make a node claim a revision (a forged reload
// event) nor make jobs wait for a node that does not exist (a forged heartbeat). The forgeries
// are written with the suites' admin Redis user: the worst case, a client past every ACL.

const missing = missingServices({ database: "sqlite", storage: "fs" });
const API = "/api/v1";

interface ClusterNode {
  nodeId: string;
  appliedRevision: number;
}

describe.skipIf(missing.length > 0)(
  `cluster integrity${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    const platform = usePlatform({
      label: "cluster-integrity",
      apis: 1,
      workers: 1,
      database: "sqlite",
      storage: "fs",
    });
    const redis = new Redis(serviceAddresses().redisUrl ?? "", {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    afterAll(() => redis.disconnect());

    const nodes = async () => {
      const res = await platform().call<ClusterNode[] | { items: ClusterNode[] }>(
        "GET",
        `${API}/cluster/nodes`,
      );
      expect(res.status).toBe(200);
      return Array.isArray(res.body) ? res.body : res.body.items;
    };

    it("a forged reload event does not advance any node, and the next real change is applied", async () => {
      const p = platform();
      const prefix = p.resources.redisPrefix;
      const [before] = await nodes();
      expect(before).toBeDefined();
      const applied = before!.appliedRevision;
      const forged = {
        revision: applied + 1,
        pluginId: "plugin_forged_aaaaaa",
        op: "uninstall",
        version: null,
        checksum: null,
        jobId: null,
      };
      // Unsigned, and with a signature made up without the secret.
      await redis.publish(`${prefix}:plugin-events`, JSON.stringify(forged));
      await redis.publish(
        `${prefix}:plugin-events`,
        JSON.stringify({ mac: Buffer.alloc(32, 7).toString("base64url"), payload: JSON.stringify(forged) }),
      );
      // The node saw them and said so (the wait is on its log, not on a clock).
      await p.apis[0]!.process.waitForOutput(/dropped a message without a valid signature/, 30_000);
      const [after] = await nodes();
      expect(after!.appliedRevision).toBe(applied);

      // A real change still converges: its event was not taken as stale.
      const accepted = await p.installZip(await buildExamplePlugin("notify-stdout"));
      const job = await p.waitJob(accepted.body.jobId);
      expect(job.state).toBe("succeeded");
      expectEveryNodeApplied(job.result?.nodes, 1);
      const [converged] = await nodes();
      expect(converged!.appliedRevision).toBeGreaterThan(applied);
    });

    it("a forged heartbeat is not a node: not listed, not expected by a job", async () => {
      const p = platform();
      const prefix = p.resources.redisPrefix;
      const [real] = await nodes();
      const ghost = {
        nodeId: "ghost-node",
        host: "nowhere",
        pid: 1,
        startedAt: new Date().toISOString(),
        appliedRevision: 0,
        plugins: [],
        version: "0.0.0",
        lastSeen: new Date().toISOString(),
      };
      await redis.set(`${prefix}:nodes:ghost-node`, JSON.stringify(ghost), "PX", 120_000);
      await redis.zadd(`${prefix}:node-index`, Date.now(), "ghost-node");
      // A copy of the real node's own signed entry under the ghost's key is still one node.
      const realEntry = await redis.get(`${prefix}:nodes:${real!.nodeId}`);
      expect(realEntry).not.toBeNull();
      await redis.set(`${prefix}:nodes:ghost-copy`, realEntry!, "PX", 120_000);
      await redis.zadd(`${prefix}:node-index`, Date.now(), "ghost-copy");

      const listed = (await nodes()).map((n) => n.nodeId);
      expect(listed).toEqual([real!.nodeId]);

      const plugins = await p.call<{ items: { pluginId: string }[] }>(
        "GET",
        `${API}/plugins?q=notify-stdout`,
      );
      const pluginId = plugins.body.items[0]!.pluginId;
      const disabled = await p.call<{ jobId: string }>("POST", `${API}/plugins/${pluginId}/disable`);
      const job = await p.waitJob(disabled.body.jobId);
      expect(job.state).toBe("succeeded");
      expectEveryNodeApplied(job.result?.nodes, 1);
      expect(JSON.stringify(job.result?.nodes)).not.toContain("ghost");
    });
  },
);
