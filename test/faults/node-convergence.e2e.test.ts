import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { JobResource } from "@arcade/contracts";
import type mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPluginZip, type Platform } from "../harness/index.js";
import { useFaultPlatform } from "./support/fault-platform.js";
import { API, currentRevision, openSql, waitFor } from "./support/probes.js";

// Desired state lives in the database; events only say "look now". A node that was killed, or
// that missed events because its subscription was cut, must reach the latest revision and load
// exactly the enabled plugins by itself, with no further change made to help it.

const NODES = 3;

const suite = useFaultPlatform({
  label: "node-converge",
  platform: { apis: NODES, workers: 1, database: "mysql", storage: "s3" },
});

interface ClusterNode {
  nodeId: string;
  appliedRevision: number;
  plugins: { pluginId: string; version: string; state: string }[];
}

interface MetricsRow {
  pluginId: string;
  version: string;
  state: string;
}

/** redis-cli as the URL's user (the services run with ACL users); the password goes by env. */
function redisCli(url: string, ...args: string[]): Promise<string> {
  const { hostname, port, username, password } = new URL(url);
  const user = username ? ["--user", decodeURIComponent(username)] : [];
  const env = { ...process.env, REDISCLI_AUTH: decodeURIComponent(password) };
  return new Promise((resolve, reject) => {
    execFile(
      "redis-cli",
      ["--no-auth-warning", "-h", hostname, "-p", port, ...user, ...args],
      { timeout: 10_000, env },
      (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
    );
  });
}

async function nodesSeenBy(p: Platform, apiIndex: number): Promise<ClusterNode[]> {
  const res = await p.call<ClusterNode[]>("GET", `${API}/cluster/nodes`, undefined, { apiIndex });
  if (res.status !== 200)
    throw new Error(`GET /cluster/nodes answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.body;
}

/** pluginId@version of what node `apiIndex` has loaded, sorted. */
async function loadedOn(p: Platform, apiIndex: number): Promise<string[]> {
  const res = await p.call<MetricsRow[]>("GET", `${API}/plugins/metrics`, undefined, { apiIndex });
  if (res.status !== 200) throw new Error(`GET /plugins/metrics answered ${res.status}`);
  return res.body
    .filter((r) => r.state === "loaded")
    .map((r) => `${r.pluginId}@${r.version}`)
    .sort();
}

/** pluginId@version of every enabled plugin in the database: what every node must run. */
async function desired(sql: mysql.Connection): Promise<string[]> {
  const [rows] = await sql.query<mysql.RowDataPacket[]>(
    "SELECT plugin_id, version FROM t_plugin WHERE is_enabled = 1",
  );
  return rows.map((r) => `${r.plugin_id}@${r.version}`).sort();
}

describe("faults: nodes converge after a kill and after a cut subscription", () => {
  let sql: mysql.Connection;
  const suffix = randomBytes(3).toString("hex");
  let round = 0;
  /** name -> pluginId of the plugins installed so far. */
  const ids = new Map<string, string>();
  const versions = new Map<string, number>();

  beforeAll(async () => {
    sql = await openSql(suite.services(), suite.platform());
    for (const name of ["alpha", "beta"]) await install(`${name}-${suffix}`);
  });

  afterAll(async () => {
    await sql?.end();
  });

  async function finished(res: { status: number; text: string; body: JobResource }): Promise<JobResource> {
    expect(res.status, res.text).toBe(202);
    const job = await suite.platform().waitJob(res.body.jobId);
    expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
    return job;
  }

  async function install(name: string): Promise<void> {
    const job = await finished(await suite.platform().installZip(await buildPluginZip({ name })));
    ids.set(name, job.pluginId!);
    versions.set(name, 0);
  }

  /** Three changes: update alpha to a new minor version, toggle beta, install a new plugin. */
  async function threeChanges(): Promise<void> {
    const p = suite.platform();
    round += 1;
    const alpha = `alpha-${suffix}`;
    const minor = (versions.get(alpha) ?? 0) + 1;
    versions.set(alpha, minor);
    await finished(
      await p.updateZip(ids.get(alpha)!, await buildPluginZip({ name: alpha, version: `1.${minor}.0` })),
    );
    const beta = ids.get(`beta-${suffix}`)!;
    const betaOn = (await desired(sql)).some((x) => x.startsWith(`${beta}@`));
    await finished(
      await p.call<JobResource>("POST", `${API}/plugins/${beta}/${betaOn ? "disable" : "enable"}`, {}),
    );
    await install(`gamma${round}-${suffix}`);
  }

  /** Node `apiIndex` reaches the database's revision and loads exactly the enabled plugins. */
  async function expectConverged(apiIndex: number): Promise<void> {
    const p = suite.platform();
    const node = p.apis[apiIndex]!;
    const revision = await currentRevision(sql);
    const want = await desired(sql);
    await waitFor(
      `${node.nodeId} applies revision ${revision} and loads ${want.join(", ")}`,
      async () => {
        const listed = (await nodesSeenBy(p, 0)).find((n) => n.nodeId === node.nodeId);
        if (listed?.appliedRevision !== revision) return undefined;
        return JSON.stringify(await loadedOn(p, apiIndex)) === JSON.stringify(want) ? true : undefined;
      },
      {
        timeoutMs: 20_000,
        describe: async () =>
          `${JSON.stringify((await nodesSeenBy(p, 0)).map((n) => [n.nodeId, n.appliedRevision]))} loaded ${JSON.stringify(await loadedOn(p, apiIndex).catch((e: Error) => e.message))}`,
      },
    );
  }

  async function waitDroppedOut(nodeId: string): Promise<void> {
    await waitFor(`${nodeId} drops out of the live nodes`, async () =>
      (await nodesSeenBy(suite.platform(), 0)).some((n) => n.nodeId === nodeId) ? undefined : true,
    );
  }

  it("a node killed with SIGKILL and started again loads the current set", async () => {
    const p = suite.platform();
    const victim = p.apis[1]!;
    expect((await victim.kill("SIGKILL")).signal).toBe("SIGKILL");
    await waitDroppedOut(victim.nodeId);
    await threeChanges();
    await victim.start();
    await expectConverged(1);
    for (let i = 0; i < NODES; i += 1) await expectConverged(i);
  });

  it("a node paused (SIGSTOP) while three changes happen converges after SIGCONT, with no new change", async () => {
    const p = suite.platform();
    const paused = p.apis[2]!;
    paused.signal("SIGSTOP");
    try {
      await waitDroppedOut(paused.nodeId);
      await threeChanges();
    } finally {
      paused.signal("SIGCONT");
    }
    await expectConverged(2);
  });

  it("a node whose subscription Redis dropped (CLIENT KILL TYPE pubsub) while it was paused converges, with no new change", async () => {
    const p = suite.platform();
    const s = suite.services();
    const cut = p.apis[2]!;
    cut.signal("SIGSTOP");
    try {
      // Redis drops every subscriber connection; the running nodes subscribe again at once,
      // the paused one cannot: every event from now on is lost for it, not just delayed.
      const killed = Number(await redisCli(s.redisUrl, "CLIENT", "KILL", "TYPE", "pubsub"));
      expect(killed).toBeGreaterThanOrEqual(NODES);
      await waitFor("the running nodes subscribed again", async () => {
        const list = await redisCli(s.redisUrl, "CLIENT", "LIST", "TYPE", "pubsub");
        return list.split("\n").filter((l) => l.trim() !== "").length >= NODES - 1 ? true : undefined;
      });
      await waitDroppedOut(cut.nodeId);
      await threeChanges();
    } finally {
      cut.signal("SIGCONT");
    }
    await expectConverged(2);
    for (let i = 0; i < NODES; i += 1) await expectConverged(i);
  });
});
