import { startBareServer } from "../lib/bare-server.js";
import type { Benchmark } from "../lib/benchmark.js";
import { type HttpLoadResult, httpLoad } from "../lib/load.js";
import { multipartUpload } from "../lib/multipart.js";
import { row } from "../lib/report.js";
import { zipOfSize } from "../lib/zips.js";

const ZIP_BYTES = 16 * 1024;
const WARMUP_SECONDS = 1;
/** Far above what 10 s can reach on a small machine: the time bound is the one that ends a run. */
const MAX_REQUESTS = 200_000;

function describe(r: HttpLoadResult): string {
  return `${r.ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts in ${r.durationSeconds.toFixed(1)} s`;
}

/**
 * 1. Accept: POST /plugins/install with a 16 KB zip at 50 connections against a bare Hono
 * endpoint that streams the same body into the same object store. No workers run, so the
 * figure is the API's own work (auth, staging upload, operation row, enqueue, 202).
 */
export const accept: Benchmark = {
  name: "accept",
  title: "Accept (POST /plugins/install, 16 KB)",
  async run(ctx) {
    const { acceptSeconds: seconds, acceptConnections: connections } = ctx.sizes;
    const zip = await zipOfSize({ name: "bench-accept" }, ZIP_BYTES);
    const { body, contentType } = multipartUpload(zip, "bench-accept.zip");
    const p = await ctx.platform({ apis: 1, workers: 0 });
    const bare = await startBareServer(ctx.services, p.runDir);
    try {
      const apiTarget = {
        url: `${p.apis[0]!.url}/api/v1/plugins/install`,
        headers: { authorization: `Bearer ${p.token}`, "content-type": contentType },
      };
      const bareTarget = { url: `${bare.url}/upload`, headers: { "content-type": contentType } };
      const load = (target: { url: string; headers: Record<string, string> }, s: number, c: number) =>
        httpLoad({
          ...target,
          method: "POST",
          body,
          connections: c,
          durationSeconds: s,
          maxRequests: MAX_REQUESTS,
        });

      ctx.log(`warm-up: ${WARMUP_SECONDS} s at 5 connections on each endpoint`);
      await load(apiTarget, WARMUP_SECONDS, 5);
      await load(bareTarget, WARMUP_SECONDS, 5);
      ctx.log(`baseline: bare Hono upload, ${connections} connections for ${seconds} s`);
      const base = await load(bareTarget, seconds, connections);
      ctx.log(`  ${describe(base)}`);
      ctx.log(`platform: POST /api/v1/plugins/install, ${connections} connections for ${seconds} s`);
      const api = await load(apiTarget, seconds, connections);
      ctx.log(`  ${describe(api)}`);

      const findings: string[] = [];
      if (api.non2xx + api.errors + api.timeouts > 0) {
        findings.push(
          `${api.non2xx} non-2xx answers, ${api.errors} errors, ${api.timeouts} timeouts (status codes ${JSON.stringify(api.statusCodes)})`,
        );
      }
      if (base.non2xx + base.errors + base.timeouts > 0) {
        findings.push(`the baseline itself failed ${base.non2xx + base.errors + base.timeouts} requests`);
      }
      const name = "accept";
      return {
        rows: [
          row(name, "accepted requests/s", "req/s", api.okPerSecond, base.okPerSecond, "higher"),
          row(name, "latency p50", "ms", api.p50, base.p50, "lower"),
          row(name, "latency p99", "ms", api.p99, base.p99, "lower"),
        ],
        baseline: `a bare Hono app (own process, @hono/node-server) that streams the same ${zip.length}-byte multipart body through busboy into the same S3 store; same ${connections} connections and ${seconds} s`,
        findings,
        details: {
          zipBytes: zip.length,
          bodyBytes: body.length,
          connections,
          seconds,
          platform: api,
          baseline: base,
        },
      };
    } finally {
      await bare.stop().catch(() => {});
    }
  },
};
