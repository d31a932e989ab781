import { hostname } from "node:os";
import type {
  CrashLoopPolicy,
  Logger,
  NodeHeartbeat,
  NodePresence,
  PluginChangeEvents,
  PluginChangeHandlers,
  PluginRepo,
} from "@arcade/core";
import { CrashLoopGuard } from "./crash-loop-guard.js";
import { desiredPluginsReader } from "./desired-plugins.js";
import type { PluginHost } from "./plugin-host.js";
import { type ArtifactProvider, Reconciler, type ReconcilerOptions } from "./reconciler.js";

export interface RuntimeNodeOptions<P extends NodePresence> {
  nodeId: string;
  /** Platform version, reported in the heartbeat. */
  version: string;
  /** Where this node's API answers, if it has one. */
  url?: string;
  /** The sandboxes (prepared by the caller). */
  host: PluginHost;
  /** The desired state: enabled plugins, their configs and the cluster revision. */
  plugins: PluginRepo;
  /** Verified, unpacked artifacts (the local cache over the object store). */
  artifacts: ArtifactProvider;
  /** The cluster membership: heartbeats, and acknowledgements of applied changes. */
  presence: P;
  /** Builds the "look now" subscription around the node's handlers. */
  events: (handlers: PluginChangeHandlers) => PluginChangeEvents;
  /** Asked before every load (the signature gate); throwing refuses it on this node. */
  admit?: ReconcilerOptions["admit"];
  /** Period of the safety-net reconcile. */
  reconcileIntervalMs?: number;
  /** runtime.crash_loop_max / crash_loop_window: when a crashing version is quarantined. Default 3 in 5 min. */
  crashLoop?: CrashLoopPolicy;
  logger: Logger;
}

/**
 * One plugin runtime node, wired: a change event makes the reconciler read the desired state
 * and converge the host; every change it applies is reported at once as an acknowledged
 * heartbeat (so a job waiting for the revision hears it the moment it happened), and the
 * heartbeat timer keeps the node listed in between. Uninstalls sweep plugin data folders.
 */
export class RuntimeNode<P extends NodePresence = NodePresence> {
  readonly nodeId: string;
  readonly host: PluginHost;
  readonly reconciler: Reconciler;
  readonly presence: P;
  /** Crash-loop quarantine: watches the host's crashes, and filters the desired state. */
  readonly crashLoop: CrashLoopGuard;
  private readonly events: PluginChangeEvents;
  private readonly logger: Logger;
  private readonly plugins: PluginRepo;
  private readonly startedAt = new Date().toISOString();
  private readonly version: string;
  private readonly url: string | undefined;

  private constructor(options: RuntimeNodeOptions<P>) {
    this.nodeId = options.nodeId;
    this.host = options.host;
    this.presence = options.presence;
    this.logger = options.logger;
    this.plugins = options.plugins;
    this.version = options.version;
    this.url = options.url;
    this.crashLoop = new CrashLoopGuard({
      ...(options.crashLoop ? { policy: options.crashLoop } : {}),
      versions: options.plugins,
      logger: options.logger,
      onQuarantine: (pluginId) => {
        this.reconciler
          .reconcileAll(`crash loop of ${pluginId}`)
          .catch((error: unknown) => this.logger.warn({ err: error }, "reconcile after a quarantine failed"));
      },
    });
    this.host.on("crash", this.onCrash);
    this.host.on("change", this.onHostChange);
    const desired = desiredPluginsReader(options.plugins, { nodeId: options.nodeId });
    this.reconciler = new Reconciler({
      host: options.host,
      state: {
        desired: async () => this.crashLoop.adjust(await desired()),
        revision: () => options.plugins.currentRevision(),
      },
      artifacts: options.artifacts,
      ...(options.admit ? { admit: options.admit } : {}),
      logger: options.logger.child({ component: "reconciler" }),
      ...(options.reconcileIntervalMs ? { intervalMs: options.reconcileIntervalMs } : {}),
      onChange: () => {
        this.presence.heartbeat(this.state(), { acknowledge: true }).catch((error: unknown) => {
          this.logger.warn(
            { err: error },
            "reporting an applied change failed; the next heartbeat carries it",
          );
        });
      },
    });
    this.events = options.events({
      onEvent: (event) => {
        this.reconciler
          .applyEvent(event)
          .then(() => (event.op === "uninstall" ? this.sweepData() : undefined))
          .catch((error: unknown) => this.logger.warn({ err: error }, "applying an event failed"));
      },
      onReconnect: () => {
        this.reconciler
          .onReconnect()
          .catch((error: unknown) => this.logger.warn({ err: error }, "reconcile after reconnect failed"));
      },
    });
  }

  /**
   * Subscribes, reconciles, sweeps stale data folders and joins the cluster. Subscribing comes
   * first, so no change can fall between the subscription and the first reconcile.
   */
  static async start<P extends NodePresence>(options: RuntimeNodeOptions<P>): Promise<RuntimeNode<P>> {
    const node = new RuntimeNode(options);
    await node.events.start().catch((error: unknown) => {
      node.logger.warn(
        { err: error },
        "event subscription not up yet; the timer reconcile covers until it is",
      );
    });
    await node.reconciler.start();
    await node.sweepData();
    await node.presence.start(() => node.state());
    return node;
  }

  /** What this node reports: its applied revision and every plugin's state here. */
  state(): NodeHeartbeat {
    return {
      nodeId: this.nodeId,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      appliedRevision: this.reconciler.appliedRevision ?? 0,
      plugins: this.crashLoop.annotate(this.nodeId, this.host.snapshot(), (id) => this.host.counters.of(id)),
      version: this.version,
      ...(this.url ? { url: this.url } : {}),
    };
  }

  /** Stops listening and reconciling, leaves the cluster, then stops every plugin. */
  async stop(): Promise<void> {
    await this.events.stop().catch(() => {});
    await this.reconciler.stop();
    this.host.off("crash", this.onCrash);
    this.host.off("change", this.onHostChange);
    await this.presence.close().catch(() => {});
    await this.host.stopAll();
  }

  private readonly onCrash = (crash: { pluginId: string; version: string }) => {
    this.crashLoop.crashed(crash.pluginId, crash.version);
  };

  /** Keeps the guard's record of which version runs since when. */
  private readonly onHostChange = () => {
    this.crashLoop.observe(
      this.host.ids().flatMap((pluginId) => {
        const p = this.host.get(pluginId);
        return p
          ? [{ pluginId, version: p.version, checksum: p.checksum, loaded: p.state === "loaded" }]
          : [];
      }),
    );
  };

  /** Data folders of plugins that are gone (uninstalled, perhaps while this node was down). */
  private async sweepData(): Promise<void> {
    try {
      const installed = new Set((await this.plugins.listAll()).map((p) => p.pluginId));
      await this.host.sweepData(installed);
    } catch (error) {
      this.logger.warn({ err: error }, "sweeping plugin data folders failed");
    }
  }
}
