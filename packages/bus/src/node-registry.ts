import {
  AppError,
  type Clock,
  type ConvergenceWaiter,
  type Logger,
  Mutex,
  type NodeReport,
  systemClock,
} from "@arcade/core";
import type { Redis } from "ioredis";
import { type BusNames, busNames } from "./channels.js";
import { closeClient, type RedisSource, resolveClient } from "./connection.js";
import { consoleLogger, errorMessage } from "./logger.js";
import { MessageSigner } from "./message-signer.js";
import { assertHeartbeat, type NodeHeartbeat, type NodeInfo, parseNodeInfo } from "./node-info.js";
import { type RevisionExpectation, type RevisionProgress, RevisionTally } from "./revision-tally.js";
import { StreamFeed, type StreamFollow } from "./stream-feed.js";
import { withTimeout } from "./timeout.js";

/** The stream entry field of a node acknowledgement (a signed node state). */
const ACK_FIELD = "node";

export interface NodeRegistryOptions {
  /** A shared ioredis client (not closed by us) or a redis:// URL (we open and close it). */
  redis: RedisSource;
  prefix?: string;
  /** Timer period of start(). Default 2000 ms. */
  heartbeatIntervalMs?: number;
  /** Life of one heartbeat: a node silent this long drops out. Default 3 × interval. */
  heartbeatTtlMs?: number;
  /**
   * Tolerated clock difference between nodes: an entry whose lastSeen is older than
   * ttl + this is ignored even if its key still exists. Default 1000 ms.
   */
  clockSkewMs?: number;
  /** Bound on each Redis call. Default 5000 ms. */
  commandTimeoutMs?: number;
  logger?: Logger;
  clock?: Clock;
  /**
   * cluster.secret: heartbeats are signed with it, and only entries signed with it are listed,
   * so a forged entry is not a node (and is never waited for).
   */
  clusterSecret?: string;
  /**
   * Acknowledgements kept in the stream (XADD MAXLEN ~). Waits read only what arrives while they
   * run, and each entry is a node's whole state, so a short stream is enough. Default 1000.
   */
  ackMaxEntries?: number;
}

export interface WaitForRevisionOptions {
  revision: number;
  timeoutMs: number;
  /**
   * Period of the registry re-read during a wait, for nodes that leave or join silently
   * (acknowledgements end the wait the moment they arrive). Default 1000 ms.
   */
  pollMs?: number;
  /**
   * The plugin the change is about: a node that reached the revision applied it only when it
   * reports the plugin as `version` asked (RevisionTally). Absent: reaching the revision is enough.
   */
  pluginId?: string;
  /** The version the change asked for; null: the plugin should be gone. Required with pluginId. */
  version?: string | null;
  checksum?: string | null;
  /** The version each node is expected to run, when they differ (canary steps). */
  versionFor?: (nodeId: string) => string | null;
  /** Called once per node as it answers (applied or failed). */
  onNode?: (report: NodeReport) => void;
}

export interface HeartbeatOptions {
  /**
   * Also append this state to the acknowledgement stream, in the same transaction: the node
   * has just applied a change, and waiting jobs hear it now rather than at their next read.
   */
  acknowledge?: boolean;
}

/**
 * Reads every live entry in one round trip and drops index members whose key has
 * expired. Atomic, so a node that heartbeats meanwhile is never removed by mistake.
 * Builds node keys from ARGV: fine on a standalone Redis (the platform uses no Cluster).
 */
const LIST_SCRIPT = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  local v = redis.call('GET', ARGV[1] .. id)
  if v then out[#out + 1] = v else redis.call('ZREM', KEYS[1], id) end
end
return out
`;

/**
 * The cluster membership: each node writes `<prefix>:nodes:<nodeId>` (JSON, SET PX
 * ttl) and adds its id to the sorted set `<prefix>:node-index`, so listing reads
 * the index instead of SCANning the keyspace. Expiry is Redis' job; the index is
 * pruned lazily when listed.
 *
 * Acknowledgements: a node that applied a change writes its heartbeat and appends the same
 * signed state to the stream `<prefix>:node-acks` in one transaction (heartbeat(state,
 * { acknowledge: true })). waitForRevision follows that stream (one blocking connection per
 * registry, shared by its waits) and answers the moment the last live node reported; it re-reads
 * the registry only every pollMs (default 1 s), for nodes that leave or join without a change.
 */
export class NodeRegistry implements ConvergenceWaiter {
  readonly names: BusNames;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTtlMs: number;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly clockSkewMs: number;
  private readonly commandTimeoutMs: number;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly signer: MessageSigner;
  private skippedLoggedAt = 0;
  /** Ids this instance has written, so stop() can remove them. */
  private readonly nodeIds = new Set<string>();
  /** Writes run one after another so stop()'s delete cannot be overtaken by a heartbeat. */
  /** Heartbeat writes, one at a time (a slow one is not overtaken by the next). */
  private readonly writes = new Mutex();
  private left = false;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private getState: (() => NodeHeartbeat | Promise<NodeHeartbeat>) | null = null;
  private readonly ackMaxEntries: number;
  private ackFeed: StreamFeed | null = null;

  constructor(options: NodeRegistryOptions) {
    this.names = busNames(options.prefix);
    const { client, owned } = resolveClient(options.redis);
    this.client = client;
    this.owned = owned;
    if (owned) client.on("error", () => {}); // surfaced through the calls instead
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 2000;
    this.heartbeatTtlMs = options.heartbeatTtlMs ?? this.heartbeatIntervalMs * 3;
    this.clockSkewMs = options.clockSkewMs ?? 1000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    this.logger = options.logger ?? consoleLogger;
    this.clock = options.clock ?? systemClock;
    this.signer = new MessageSigner(options.clusterSecret, this.names.prefix);
    this.ackMaxEntries = options.ackMaxEntries ?? 1000;
    if (!(this.heartbeatTtlMs > 0 && this.heartbeatIntervalMs > 0)) {
      throw new AppError("VALIDATION_FAILED", "heartbeatIntervalMs and heartbeatTtlMs must be positive");
    }
  }

  /**
   * Writes this node's entry now (also between timer beats, e.g. right after a
   * change was applied). Answers the stored entry, or null once stop() has taken
   * the node out (until start() is called again).
   */
  async heartbeat(state: NodeHeartbeat, options: HeartbeatOptions = {}): Promise<NodeInfo | null> {
    assertHeartbeat(state);
    return this.writes.run(async () => {
      if (this.left) return null;
      const now = this.clock.now();
      const info: NodeInfo = { ...state, lastSeen: now.toISOString() };
      const key = this.names.nodeKey(state.nodeId);
      await this.call("heartbeat", async () => {
        const json = JSON.stringify(info);
        const transaction = this.client
          .multi()
          .set(key, this.signer.seal("heartbeat", json), "PX", this.heartbeatTtlMs)
          .zadd(this.names.nodeIndex, now.getTime(), state.nodeId);
        if (options.acknowledge) {
          transaction.xadd(
            this.names.nodeAcks,
            "MAXLEN",
            "~",
            this.ackMaxEntries,
            "*",
            ACK_FIELD,
            this.signer.seal("node-ack", json),
          );
        }
        const replies = await transaction.exec();
        const failure = replies?.find(([error]) => error)?.[0];
        if (!replies || failure) throw failure ?? new Error("transaction aborted");
      });
      this.nodeIds.add(state.nodeId);
      return info;
    });
  }

  /**
   * Heartbeats now and then every heartbeatIntervalMs with what getState answers.
   * Rejects if the first beat fails, but the timer stays armed (a node must not
   * die because Redis blinked); stop() ends it.
   */
  async start(getState: () => NodeHeartbeat | Promise<NodeHeartbeat>): Promise<void> {
    if (this.heartbeatTtlMs <= this.heartbeatIntervalMs) {
      throw new AppError(
        "VALIDATION_FAILED",
        `heartbeatTtlMs (${this.heartbeatTtlMs}) must exceed heartbeatIntervalMs (${this.heartbeatIntervalMs}), or the node flickers out between beats`,
      );
    }
    this.clearTimer();
    this.getState = getState;
    this.left = false;
    this.running = true;
    try {
      await this.beat();
    } finally {
      if (this.running) this.schedule();
    }
  }

  /** Stops the timer and deletes this node's entry, so it leaves the cluster at once. */
  async stop(): Promise<void> {
    this.running = false;
    this.left = true;
    this.clearTimer();
    await this.writes.run(async () => {
      // Read inside the chain: a first heartbeat still in flight adds its id first.
      const ids = [...this.nodeIds];
      if (ids.length === 0) return;
      try {
        await this.call("leave", () =>
          this.client
            .multi()
            .del(...ids.map((id) => this.names.nodeKey(id)))
            .zrem(this.names.nodeIndex, ...ids)
            .exec(),
        );
        for (const id of ids) this.nodeIds.delete(id);
      } catch (error) {
        // The entry expires by itself within the TTL; shutting down must not fail over it.
        this.logger.warn({ err: errorMessage(error), nodeIds: ids }, "node registry: could not remove entry");
      }
    });
  }

  /** Live nodes, sorted by id: expired entries are gone, stale ones (clock trouble) skipped. */
  async listNodes(): Promise<NodeInfo[]> {
    const raws = (await this.call(
      "list nodes",
      () =>
        this.client.eval(LIST_SCRIPT, 1, this.names.nodeIndex, this.names.nodeKeyPrefix) as Promise<unknown>,
    )) as string[];
    const oldest = this.clock.now().getTime() - this.heartbeatTtlMs - this.clockSkewMs;
    const byId = new Map<string, NodeInfo>();
    for (const raw of raws) {
      const payload = this.signer.open("heartbeat", raw);
      const node = payload === null ? null : parseNodeInfo(payload);
      if (!node) {
        this.skipped(raw, payload === null);
        continue;
      }
      if (Date.parse(node.lastSeen) < oldest) continue;
      // A signed entry copied under another node's key is still one node, not two.
      const seen = byId.get(node.nodeId);
      if (!seen || Date.parse(seen.lastSeen) < Date.parse(node.lastSeen)) byId.set(node.nodeId, node);
    }
    const nodes = [...byId.values()];
    return nodes.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  /**
   * Waits until every live node has answered the revision (applied or failed: RevisionTally), or
   * until timeoutMs, and answers what it saw either way, shaped as JobResult.nodes: nodes that
   * did not answer are `pending`. Redis errors during the wait are tolerated;
   * QUEUE_UNAVAILABLE only if no registry read worked.
   */
  async waitForRevision(options: WaitForRevisionOptions): Promise<RevisionProgress> {
    const { revision, timeoutMs, pollMs = 1000, onNode } = options;
    if (!Number.isSafeInteger(revision) || revision < 0 || !(timeoutMs >= 0) || !(pollMs > 0)) {
      throw new AppError("VALIDATION_FAILED", "waitForRevision: bad revision, timeoutMs or pollMs");
    }
    const tally = new RevisionTally(revision, expectationOf(options));
    const reported = new Set<string>();
    const report = (node: NodeInfo) => {
      if (!onNode || reported.has(node.nodeId)) return;
      const answer = tally.answerOf(node);
      if (!answer) return;
      reported.add(node.nodeId);
      try {
        onNode({
          nodeId: node.nodeId,
          revision: node.appliedRevision,
          outcome: answer.outcome,
          ...(answer.error === undefined ? {} : { error: answer.error }),
        });
      } catch (error) {
        this.logger.warn({ err: errorMessage(error) }, "node registry: onNode callback failed");
      }
    };
    const deadline = Date.now() + timeoutMs;
    const arrived: NodeInfo[] = [];
    let wake: (() => void) | null = null;
    // Follow from the stream's end BEFORE reading the registry: a node writes its heartbeat and
    // its acknowledgement in one transaction, so each report is in the read or in the stream.
    const acks = await this.followAcks((node) => {
      arrived.push(node);
      wake?.();
    });
    let observed = false;
    let lastError: unknown;
    try {
      let refresh = true;
      for (;;) {
        if (refresh) {
          try {
            const live = await this.listNodes();
            tally.observe(live);
            observed = true;
            for (const node of live) report(node);
          } catch (error) {
            lastError = error;
          }
        }
        // Reports read after the registry are as new or newer than what it had.
        for (const node of arrived.splice(0)) {
          tally.acknowledge(node);
          report(node);
        }
        if (observed && tally.done) break;
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        // Without the stream (Redis trouble), fall back to reading the registry often.
        const period = acks ? pollMs : Math.min(pollMs, 100);
        refresh = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), Math.min(period, remaining));
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
          if (arrived.length > 0) wake();
        });
        wake = null;
      }
    } finally {
      acks?.close();
    }
    if (!observed) {
      throw lastError instanceof AppError
        ? lastError
        : new AppError("QUEUE_UNAVAILABLE", "Redis unavailable: could not read the node registry");
    }
    return tally.result();
  }

  /**
   * Follows the acknowledgement stream from its current end; each validly signed report is passed
   * on, others are dropped (logged at most once a minute). Null when Redis does not answer.
   */
  private async followAcks(onNode: (node: NodeInfo) => void): Promise<StreamFollow | null> {
    let head: string;
    try {
      const rows = (await this.call("read acknowledgements", () =>
        this.client.xrevrange(this.names.nodeAcks, "+", "-", "COUNT", 1),
      )) as [string, string[]][];
      head = rows[0]?.[0] ?? "0-0";
    } catch (error) {
      this.logger.warn(
        { err: errorMessage(error) },
        "node registry: acknowledgements unavailable; reading the registry instead",
      );
      return null;
    }
    this.ackFeed ??= new StreamFeed({
      redis: this.client,
      name: `${this.names.nodeAcks}:reader`,
      logger: this.logger,
    });
    try {
      return this.ackFeed.follow(this.names.nodeAcks, head, (entries) => {
        for (const { fields } of entries) {
          const raw = fields[fields.indexOf(ACK_FIELD) + 1];
          const payload = raw === undefined ? null : this.signer.open("node-ack", raw);
          const node = payload === null ? null : parseNodeInfo(payload);
          if (node) onNode(node);
          else this.skipped(raw ?? "", payload === null);
        }
      });
    } catch (error) {
      // Over the feed's limit of waits at once: this one reads the registry instead.
      this.logger.warn({ err: errorMessage(error) }, "node registry: not following acknowledgements");
      return null;
    }
  }

  /** Logs a refused registry entry or acknowledgement, at most once a minute (reads are frequent). */
  private skipped(raw: string, unsigned: boolean): void {
    const now = Date.now();
    if (now - this.skippedLoggedAt < 60_000) return;
    this.skippedLoggedAt = now;
    this.logger.warn(
      { entry: raw.slice(0, 200) },
      unsigned
        ? "node registry: skipped an entry without a valid signature (not written by a node of this cluster)"
        : "node registry: skipped a malformed entry",
    );
  }

  /** stop(), then quit the connection if this registry opened it. */
  async close(): Promise<void> {
    await this.stop();
    await this.ackFeed?.close();
    if (this.owned) await closeClient(this.client);
  }

  private async beat(): Promise<void> {
    const getState = this.getState;
    if (!getState) return;
    await this.heartbeat(await getState());
  }

  private schedule(): void {
    this.clearTimer();
    this.timer = setTimeout(async () => {
      this.timer = null;
      try {
        await this.beat();
      } catch (error) {
        this.logger.warn({ err: errorMessage(error) }, "node registry: heartbeat failed");
      }
      if (this.running && this.timer === null) this.schedule();
    }, this.heartbeatIntervalMs);
    // The timer alone must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One Redis round trip, bounded; any failure becomes the transient "Redis unavailable". */
  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(op(), this.commandTimeoutMs, what);
    } catch (error) {
      throw new AppError("QUEUE_UNAVAILABLE", `Redis unavailable: node registry ${what} failed`, {
        detail: errorMessage(error),
        cause: error,
      });
    }
  }
}

/** What a wait judges the nodes against: the plugin at a version, or nothing but the revision. */
function expectationOf(options: WaitForRevisionOptions): RevisionExpectation | undefined {
  if (options.pluginId === undefined) return undefined;
  return {
    pluginId: options.pluginId,
    version: options.version ?? null,
    checksum: options.checksum ?? null,
    ...(options.versionFor ? { versionFor: options.versionFor } : {}),
  };
}
