import { access } from "node:fs/promises";
import { join } from "node:path";
import type { JobRecord } from "@arcade/core";
import type { Pipeline } from "./pipeline.js";

/** What a failed job could have left behind, to compare with the state before it ran. */
export interface Snapshot {
  pluginObjects: string[];
  pluginCount: number;
}

export async function snapshot(pipeline: Pipeline): Promise<Snapshot> {
  const { total } = await pipeline.database.plugins.list({ page: 1, pageSize: 1 });
  return { pluginObjects: await pipeline.objects("plugins/"), pluginCount: total };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Everything a failed install may have touched: rows (plugin, versions, config),
 * objects under plugins/, its staged upload and its scratch folder.
 */
export async function leftovers(
  pipeline: Pipeline,
  op: JobRecord,
  name: string,
  before: Snapshot,
): Promise<string[]> {
  const found: string[] = [];
  const after = await snapshot(pipeline);
  if (after.pluginCount !== before.pluginCount)
    found.push(`plugin rows ${before.pluginCount} -> ${after.pluginCount}`);
  if (await pipeline.database.plugins.findByName(name)) found.push(`plugin row named ${name}`);
  if (op.pluginId) {
    if ((await pipeline.database.plugins.versions(op.pluginId)).length > 0) found.push("version rows");
    if (await pipeline.database.plugins.getConfig(op.pluginId)) found.push("config row");
  }
  const newObjects = after.pluginObjects.filter((k) => !before.pluginObjects.includes(k));
  if (newObjects.length > 0) found.push(`objects ${newObjects.join(", ")}`);
  if ((await pipeline.objects("staging/")).includes(`staging/${op.jobId}`)) found.push("staged upload");
  if (await exists(join(pipeline.files.workDir, op.jobId))) found.push("scratch folder");
  return found;
}
