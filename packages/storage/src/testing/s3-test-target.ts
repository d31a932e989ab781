import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface S3TestTarget {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the server this helper started (nothing when it came from the environment). */
  stop(): Promise<void>;
}

/**
 * The S3 server for integration tests: the one named by ARCADE_TEST_S3_ENDPOINT
 * (and ARCADE_TEST_S3_BUCKET) when set, as infra/scripts/test.sh provides;
 * otherwise a private s3rver child process on a free port with its own data
 * folder, so the suite also runs on its own. Tests isolate themselves by key
 * prefix either way.
 */
export async function startS3TestTarget(): Promise<S3TestTarget> {
  const endpoint = process.env.ARCADE_TEST_S3_ENDPOINT;
  if (endpoint !== undefined && endpoint !== "") {
    return {
      endpoint,
      region: process.env.ARCADE_TEST_S3_REGION ?? "us-east-1",
      bucket: process.env.ARCADE_TEST_S3_BUCKET ?? "arcade-test",
      accessKeyId: process.env.ARCADE_TEST_S3_ACCESS_KEY ?? "S3RVER",
      secretAccessKey: process.env.ARCADE_TEST_S3_SECRET_KEY ?? "S3RVER",
      stop: async () => undefined,
    };
  }
  const bucket = "arcade-storage-test";
  const dataDir = await mkdtemp(join(tmpdir(), "arcade-s3rver-"));
  const bin = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");
  // The server exits by itself once this process is gone, even if no afterAll ran.
  const watchdog = join(dataDir, "exit-with-parent.cjs");
  await writeFile(
    watchdog,
    `const parent = ${process.pid};
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 500).unref();\n`,
  );
  const child = spawn(
    process.execPath,
    [
      "--require",
      watchdog,
      bin,
      "-d",
      join(dataDir, "data"),
      "-a",
      "127.0.0.1",
      "-p",
      "0",
      "--silent",
    ].concat(["--configure-bucket", bucket]),
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const port = await listeningPort(child);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    bucket,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /listening on [^:\s]+:(\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (data: Buffer) => {
      output += data.toString();
    });
    child.once("exit", (code) =>
      reject(new Error(`s3rver exited with ${code} before listening:\n${output}`)),
    );
  });
}
