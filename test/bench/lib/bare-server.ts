import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { S3ObjectStore } from "@arcade/storage";
import { freePort, PlatformProcess } from "../../harness/index.js";
import type { Services } from "./services.js";

export interface BareServer {
  url: string;
  pid: number | undefined;
  /** Stops the process and removes what it stored. */
  stop(): Promise<void>;
}

/** An S3 store on the run's bucket under `prefix` (the same settings the platform uses). */
export function benchStore(services: Services, prefix: string): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: services.s3Endpoint,
    region: "us-east-1",
    bucket: services.s3Bucket,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    forcePathStyle: true,
    keyPrefix: prefix,
  });
}

/**
 * Starts baseline/bare-server.ts in its own node process (as the API runs in its own), so the
 * load generator in this process never shares an event loop with the server it measures.
 */
export async function startBareServer(services: Services, logDir: string): Promise<BareServer> {
  const port = await freePort();
  const prefix = `bench-bare-${randomBytes(4).toString("hex")}/`;
  const dir = await mkdtemp(join(logDir, "bare-"));
  const proc = new PlatformProcess({
    name: "bare-server",
    entry: join(import.meta.dirname, "..", "baseline", "bare-server.ts"),
    env: {
      BENCH_PORT: String(port),
      BENCH_S3_ENDPOINT: services.s3Endpoint,
      BENCH_S3_BUCKET: services.s3Bucket,
      BENCH_S3_PREFIX: prefix,
    },
    logFile: join(dir, "bare-server.log"),
  });
  await proc.spawn();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (!proc.running || Date.now() > deadline) {
      await proc.stop();
      throw new Error(`the bare baseline server did not start; see ${proc.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    get pid() {
      return proc.pid;
    },
    async stop() {
      await proc.stop();
      await benchStore(services, prefix).deleteByPrefix("staging/");
    },
  };
}
