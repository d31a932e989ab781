import type { NodePluginState, PluginChangedEvent } from "@arcade/contracts";

/** What a node reports about itself on each heartbeat (and in each acknowledgement). */
export interface NodeHeartbeat {
  nodeId: string;
  host: string;
  pid: number;
  /** ISO time the process started. */
  startedAt: string;
  /** Highest cluster revision this node has reconciled to. */
  appliedRevision: number;
  plugins: NodePluginState[];
  /** Platform version the node runs. */
  version: string;
  /** Where the node's API answers, if it has one. */
  url?: string | null;
}

/**
 * A node's membership of the cluster (the NodeRegistry of @arcade/bus): a heartbeat on a timer,
 * and one at once, acknowledged, whenever the node applied a change, so waiting jobs hear it.
 */
export interface NodePresence {
  heartbeat(state: NodeHeartbeat, options?: { acknowledge?: boolean }): Promise<unknown>;
  /** Heartbeats now and then on a timer with what getState answers. */
  start(getState: () => NodeHeartbeat | Promise<NodeHeartbeat>): Promise<void>;
  /** Leaves the cluster and releases the connection. */
  close(): Promise<void>;
}

/** The "look now" events a node follows (the EventSubscriber of @arcade/bus). */
export interface PluginChangeEvents {
  /** Resolves once events flow (rejects if not soon; keeps trying, and onReconnect says when). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What a node does with the events: builds the subscription around these handlers. */
export interface PluginChangeHandlers {
  onEvent(event: PluginChangedEvent): void;
  /** Events may have been missed while the subscription was down: reconcile everything. */
  onReconnect(): void;
}

/**
 * The live nodes as the registry lists them (NodeRegistry.listNodes of @arcade/bus), each with
 * its last heartbeat: a rollout spreads its steps over them and reads their per-version
 * counters of the plugin (NodePluginState.counters) at the start and the end of each hold.
 */
export interface NodeDirectory {
  listNodes(): Promise<NodeHeartbeat[]>;
}
