import { readFile } from "node:fs/promises";
import type { JobResource, JobStep, StepName } from "@arcade/contracts";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import type { Platform } from "../../harness/index.js";
import type { FaultServices } from "./fault-services.js";

export const API = "/api/v1";

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns something other than undefined, at most `timeoutMs`; then
 * fails naming `what`, the last error and what `describe` says, so a failure explains itself.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const seen = options.describe ? await options.describe().catch((e: unknown) => String(e)) : "";
      const why = lastError ? `; last error: ${(lastError as Error).message ?? String(lastError)}` : "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting until ${what}${why}${seen ? `; seen: ${seen}` : ""}`,
      );
    }
    await delay(options.intervalMs ?? 150);
  }
}

/** A connection to the platform's own MariaDB database (for direct reads and for holding locks). */
export async function openSql(services: FaultServices, p: Platform): Promise<mysql.Connection> {
  if (!p.resources.mysqlDatabase) throw new Error("the platform does not run on MariaDB");
  const url = new URL(services.mysqlUrl);
  url.pathname = `/${p.resources.mysqlDatabase}`;
  return mysql.createConnection({ uri: url.toString(), connectTimeout: 5000 });
}

export interface JobRow {
  state: string;
  step: StepName | null;
  steps: JobStep[];
  pluginId: string | null;
}

/** The job's operation row, read straight from the database (fast, and works while APIs are paused). */
export async function jobRow(sql: mysql.Connection, jobId: string): Promise<JobRow | null> {
  const [rows] = await sql.query<mysql.RowDataPacket[]>(
    "SELECT state, step, steps, plugin_id FROM t_plugin_operation WHERE job_id = ?",
    [jobId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    state: String(row.state),
    step: (row.step as StepName | null) ?? null,
    steps: row.steps ? (JSON.parse(String(row.steps)) as JobStep[]) : [],
    pluginId: (row.plugin_id as string | null) ?? null,
  };
}

/**
 * The step the job is inside right now: the one recorded as running. (The row's `step` field
 * names the first step as soon as the attempt begins, before that step started.) Between two
 * steps this answers "after <step>"; for a finished job, its state.
 */
export function stepInProgress(row: JobRow | null): string {
  if (!row) return "no row";
  if (row.state === "succeeded" || row.state === "failed") return `job ${row.state}`;
  const running = row.steps.find((s) => s.state === "running");
  if (running) return running.name;
  return row.step ? `after ${row.step}` : `job ${row.state}`;
}

/**
 * Polls the row every 2 ms until one of `steps` is running (or the job finished), and returns
 * what it saw.
 */
export async function waitForStep(
  sql: mysql.Connection,
  jobId: string,
  steps: readonly StepName[],
  timeoutMs = 30_000,
): Promise<JobRow> {
  const deadline = Date.now() + timeoutMs;
  let last: JobRow | null = null;
  for (;;) {
    last = await jobRow(sql, jobId);
    if (last && (last.state === "succeeded" || last.state === "failed")) return last;
    if (last && (steps as readonly string[]).includes(stepInProgress(last))) return last;
    if (Date.now() >= deadline) {
      throw new Error(
        `job ${jobId} did not reach ${steps.join("/")} within ${timeoutMs} ms: ${JSON.stringify(last)}`,
      );
    }
    await delay(2);
  }
}

/** Rows the job left for a plugin name: t_plugin, t_plugin_version and t_plugin_config rows. */
export async function rowsForName(
  sql: mysql.Connection,
  name: string,
): Promise<{ plugins: string[]; versions: string[]; configs: number }> {
  const [plugins] = await sql.query<mysql.RowDataPacket[]>(
    "SELECT plugin_id, version FROM t_plugin WHERE name = ?",
    [name],
  );
  const ids = plugins.map((r) => String(r.plugin_id));
  if (ids.length === 0) return { plugins: [], versions: [], configs: 0 };
  const [versions] = await sql.query<mysql.RowDataPacket[]>(
    "SELECT plugin_id, version FROM t_plugin_version WHERE plugin_id IN (?)",
    [ids],
  );
  const [configs] = await sql.query<mysql.RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM t_plugin_config WHERE plugin_id IN (?)",
    [ids],
  );
  return {
    plugins: plugins.map((r) => `${r.plugin_id}@${r.version}`),
    versions: versions.map((r) => `${r.plugin_id}@${r.version}`),
    configs: Number(configs[0]?.n ?? 0),
  };
}

export async function currentRevision(sql: mysql.Connection): Promise<number> {
  const [rows] = await sql.query<mysql.RowDataPacket[]>(
    "SELECT revision FROM t_cluster_revision WHERE id = 1",
  );
  return Number(rows[0]?.revision);
}

/** Log lines of every worker (all runs) that carry this job id and this message. */
export async function workerLines(p: Platform, jobId: string, message: string): Promise<number> {
  let count = 0;
  for (const worker of p.workers) {
    const text = await readFile(worker.logFile, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      if (line.includes(`"jobId":"${jobId}"`) && line.includes(`"msg":"${message}"`)) count += 1;
    }
  }
  return count;
}

/** Every job of the list, polled until finished (each bounded). */
export async function waitJobs(p: Platform, jobIds: string[], timeoutMs = 90_000): Promise<JobResource[]> {
  return Promise.all(jobIds.map((id) => p.waitJob(id, { timeoutMs })));
}

/** Keys under plugins/<pluginId>/ in the platform's store. */
export async function pluginObjects(p: Platform, pluginId: string): Promise<string[]> {
  return p.listObjects(`plugins/${pluginId}/`);
}

export function artifactKey(pluginId: string, version: string): string {
  return `plugins/${pluginId}/${version}/${pluginId}_${version}.zip`;
}

/** The platform's BullMQ queue (packages/queue QUEUE_NAME). */
const QUEUE_NAME = "plugin-ops";

/**
 * The queue's view of a job, read straight from Redis: "failed" / "completed" once BullMQ
 * finished it, "pending" otherwise (waiting, delayed, active), "missing" without a job hash.
 */
export async function queueState(redisUrl: string, prefix: string, jobId: string): Promise<string> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const key = `${prefix}:${QUEUE_NAME}:${jobId}`;
    const [finishedOn, failedReason, exists] = await Promise.all([
      redis.hget(key, "finishedOn"),
      redis.hget(key, "failedReason"),
      redis.exists(key),
    ]);
    if (!exists) return "missing";
    if (!finishedOn) return "pending";
    return failedReason ? "failed" : "completed";
  } finally {
    redis.disconnect();
  }
}
