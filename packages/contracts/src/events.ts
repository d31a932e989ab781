/** Operations that change what a node should have loaded. */
export type PluginEventOp =
  | "install"
  | "update"
  | "uninstall"
  | "enable"
  | "disable"
  | "configure"
  | "rollback";

/**
 * Published on the Redis channel after each committed change. It only says
 * "look now": the database holds the desired state, and the revision lets a
 * node notice that it missed an event.
 */
export interface PluginChangedEvent {
  revision: number;
  pluginId: string;
  op: PluginEventOp;
  version: string | null;
  checksum: string | null;
  jobId: string | null;
}
