import { listNodes, type NodePluginState } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { CommandHost } from "../command-host.js";
import { EXIT } from "../errors.js";
import { shortTime } from "../output/format.js";
import { renderTable } from "../output/table.js";

/** A live node as GET /cluster/nodes lists it (architecture §4). */
export interface ClusterNode {
  nodeId: string;
  host?: string;
  pid?: number;
  version?: string;
  url?: string | null;
  appliedRevision: number;
  plugins: NodePluginState[];
  lastSeen?: string;
}

/** `nodes`: the live cluster nodes, their revision and their plugins' load state. */
export async function runNodes(ctx: CliContext): Promise<number> {
  const nodes = (await ctx.client.call(listNodes, {})).body;
  const { out } = ctx;
  out.data(nodes);
  if (nodes.length === 0) {
    out.line("no live nodes: no API or runtime process has sent a heartbeat recently");
    return EXIT.ok;
  }
  const rows = renderTable(
    [
      { header: "NODE", value: (n: ClusterNode) => n.nodeId },
      { header: "HOST", value: (n) => `${n.host ?? "-"}${n.pid ? ` (pid ${n.pid})` : ""}` },
      { header: "REVISION", value: (n) => String(n.appliedRevision) },
      {
        header: "PLUGINS",
        value: (n) => `${n.plugins.filter((p) => p.state === "loaded").length}/${n.plugins.length} loaded`,
      },
      { header: "ERRORS", value: (n) => String(n.plugins.filter((p) => p.state === "error").length) },
      { header: "LAST SEEN", value: (n) => shortTime(n.lastSeen) },
    ],
    nodes,
  );
  for (const row of rows) out.line(row);
  for (const node of nodes) {
    for (const p of node.plugins.filter((x) => x.state === "error")) {
      out.line(`  ✗ ${node.nodeId}: ${p.pluginId} ${p.version}: ${p.error ?? "error"}`);
    }
  }
  return EXIT.ok;
}

export function registerNodes(program: Command, host: CommandHost): void {
  program
    .command("nodes")
    .description("list live cluster nodes and the state of their plugins")
    .action(host.action((ctx) => runNodes(ctx)));
}
