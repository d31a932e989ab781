import { hostname } from "node:os";
import type {
  Logger,
  NodeHeartbeat,
  NodePresence,
  PluginChangeEvents,
  PluginChangeHandlers,
  PluginRepo,
} from "@arcade/core";
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
    this.reconciler = new Reconciler({
      host: options.host,
      state: {
        desired: desiredPluginsReader(options.plugins),
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
      plugins: this.host.snapshot(),
      version: this.version,
      ...(this.url ? { url: this.url } : {}),
    };
  }

  /** Stops listening and reconciling, leaves the cluster, then stops every plugin. */
  async stop(): Promise<void> {
    await this.events.stop().catch(() => {});
    await this.reconciler.stop();
    await this.presence.close().catch(() => {});
    await this.host.stopAll();
  }

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
