import type { EventEmitter } from "node:events";
import autocannon from "autocannon";
import { type Summary, summarize } from "./stats.js";

/** Latency samples kept per run (a bound on memory; far above what a 10 s run answers here). */
const MAX_SAMPLES = 5_000_000;

export interface HttpLoadOptions {
  /** Must be a loopback URL: the load never leaves the machine. */
  url: string;
  method: "GET" | "POST" | "PUT";
  headers: Record<string, string>;
  body?: Buffer | string;
  connections: number;
  durationSeconds: number;
  /** Hard bound on requests, whatever the duration. */
  maxRequests: number;
}

export interface HttpLoadResult {
  /** Successful (2xx) answers per second. */
  okPerSecond: number;
  /** Latency of the 2xx answers, ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  statusCodes: Record<string, number>;
}

function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") {
    throw new Error(`load is only ever sent to 127.0.0.1, not ${host}`);
  }
}

/** autocannon against one endpoint, bounded by time and by count. */
export async function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  assertLoopback(options.url);
  // The thenable tracker: its "response" events carry each answer's time as a float (ms), where
  // autocannon's own histogram only keeps whole milliseconds (too coarse for sub-ms baselines).
  const latencies: number[] = [];
  const tracker = autocannon({
    url: options.url,
    method: options.method,
    headers: options.headers,
    ...(options.body === undefined ? {} : { body: options.body }),
    connections: options.connections,
    duration: options.durationSeconds,
    // Not `amount`: it would replace the time bound; this one ends the run at whichever comes first.
    maxOverallRequests: options.maxRequests,
    timeout: 30,
  }) as unknown as EventEmitter & PromiseLike<autocannon.Result>;
  tracker.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300 && latencies.length < MAX_SAMPLES) latencies.push(ms);
  });
  const result = await tracker;
  const latency = summarize(latencies);
  const codes: Record<string, number> = {};
  const raw = result.statusCodeStats as unknown as Record<string, { count: number }> | undefined;
  for (const [code, stat] of Object.entries(raw ?? {})) codes[code] = stat.count;
  const ok = result["2xx"];
  const seconds = result.duration > 0 ? result.duration : options.durationSeconds;
  return {
    okPerSecond: ok / seconds,
    p50: latency.p50,
    p90: latency.p90,
    p99: latency.p99,
    max: latency.max,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: seconds,
    statusCodes: codes,
  };
}

export interface LoopResult {
  latency: Summary;
  calls: number;
  failures: number;
  firstFailure: string | null;
  perSecond: number;
  elapsedMs: number;
}

/**
 * `concurrency` callers, each calling again as soon as its call returns, until `durationMs`
 * passed or `maxCalls` started. For in-process targets, where HTTP tools do not apply.
 */
export async function closedLoop(options: {
  concurrency: number;
  durationMs: number;
  maxCalls: number;
  call: () => Promise<void>;
}): Promise<LoopResult> {
  const latencies: number[] = [];
  let started = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  const begin = performance.now();
  const deadline = begin + options.durationMs;
  const caller = async () => {
    while (started < options.maxCalls && performance.now() < deadline) {
      started += 1;
      const t = performance.now();
      try {
        await options.call();
        latencies.push(performance.now() - t);
      } catch (error) {
        failures += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  const elapsedMs = performance.now() - begin;
  return {
    latency: summarize(latencies),
    calls: latencies.length,
    failures,
    firstFailure,
    perSecond: (latencies.length / elapsedMs) * 1000,
    elapsedMs,
  };
}
