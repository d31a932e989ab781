import { execFile, spawnSync } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../harness/index.js";

const run = promisify(execFile);
const ALL_SH = join(REPO_ROOT, "infra", "services", "all.sh");
const KEYS = [
  "ARCADE_TEST_REDIS_URL",
  "ARCADE_TEST_MYSQL_URL",
  "ARCADE_TEST_S3_ENDPOINT",
  "ARCADE_TEST_S3_BUCKET",
];
const START_TIMEOUT_MS = 120_000;

export interface Services {
  redisUrl: string;
  mysqlUrl: string;
  s3Endpoint: string;
  s3Bucket: string;
  /** Scratch folder for the run's files (platform run dirs, built zips). */
  dataDir: string;
  /** True when this run started the servers (and so stops them). */
  owned: boolean;
  stop(): Promise<void>;
  /** Synchronous stop for signal handlers (the event loop may not get another turn). */
  stopSync(): void;
  /** Pids of redis, mariadb and s3rver when this run started them (for CPU accounting); else {}. */
  pids(): Promise<Record<string, number>>;
}

const PID_FILES: Record<string, string> = {
  redis: "redis/redis.pid",
  mariadb: "mariadb/mysqld.pid",
  s3rver: "s3rver/s3rver.pid",
};

async function readPids(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, file] of Object.entries(PID_FILES)) {
    const pid = Number((await readFile(join(dir, file), "utf8").catch(() => "")).trim());
    if (Number.isInteger(pid) && pid > 0) out[name] = pid;
  }
  return out;
}

function fromEnv(): Omit<Services, "owned" | "stop" | "stopSync" | "pids"> {
  const env = process.env;
  return {
    redisUrl: env.ARCADE_TEST_REDIS_URL!,
    mysqlUrl: env.ARCADE_TEST_MYSQL_URL!,
    s3Endpoint: env.ARCADE_TEST_S3_ENDPOINT!,
    s3Bucket: env.ARCADE_TEST_S3_BUCKET!,
    dataDir: env.ARCADE_TEST_DATA_DIR || join(REPO_ROOT, ".data", `bench-scratch-${process.pid}`),
  };
}

/**
 * Redis, MariaDB and s3rver for the run: the ones named by ARCADE_TEST_* when all are set (a
 * test run's, or `npm run services`), otherwise fresh ones on free loopback ports in
 * .data/bench-<pid>, started with infra/services/all.sh and stopped again by their pid files.
 * The harness reads the addresses from process.env, so they are exported there.
 */
export async function ensureServices(log: (line: string) => void): Promise<Services> {
  if (KEYS.every((k) => process.env[k])) {
    log("services: reusing ARCADE_TEST_* from the environment");
    process.env.ARCADE_TEST_DATA_DIR ??= fromEnv().dataDir;
    return { ...fromEnv(), owned: false, stop: async () => {}, stopSync: () => {}, pids: async () => ({}) };
  }
  const dir = join(REPO_ROOT, ".data", `bench-${process.pid}`);
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    spawnSync("bash", [ALL_SH, "stop", dir], { stdio: "ignore", timeout: 60_000 });
    spawnSync("rm", ["-rf", dir], { stdio: "ignore" });
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await run("bash", [ALL_SH, "stop", dir], { timeout: 60_000 }).catch((error: unknown) => {
      log(`services: stop reported a problem: ${(error as Error).message.split("\n")[0]}`);
    });
    await rm(dir, { recursive: true, force: true });
  };
  log(`services: starting Redis, MariaDB and s3rver in ${dir}`);
  try {
    await run("bash", [ALL_SH, "start", dir], {
      env: { ...process.env, PORT: "0", REDIS_PORT: "0", MARIADB_PORT: "0", S3RVER_PORT: "0" },
      timeout: START_TIMEOUT_MS,
    });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    stopSync();
    throw new Error(
      `starting the services failed (is setup done? npm run setup):\n${e.stdout ?? ""}${e.stderr ?? e.message}`,
    );
  }
  const text = await readFile(join(dir, "arcade-test.env"), "utf8");
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) process.env[line.slice(0, at)] = line.slice(at + 1);
  }
  const s = fromEnv();
  log(
    `services: redis ${s.redisUrl}, mariadb ${s.mysqlUrl.replace(/:[^:@/]*@/, ":***@")}, s3 ${s.s3Endpoint}`,
  );
  return { ...s, owned: true, stop, stopSync, pids: () => readPids(dir) };
}
