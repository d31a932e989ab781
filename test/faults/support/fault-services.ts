import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guardPid, releasePid } from "../../harness/exit-guard.js";
import { REPO_ROOT } from "../../harness/repo-paths.js";

export type ServiceName = "redis" | "mariadb" | "s3rver";

const SCRIPT_TIMEOUT_MS = 90_000;
const PID_FILES: Record<ServiceName, string> = {
  redis: "redis.pid",
  mariadb: "mysqld.pid",
  s3rver: "s3rver.pid",
};
const PORT_VARS: Record<ServiceName, string> = {
  redis: "REDIS_PORT",
  mariadb: "MARIADB_PORT",
  s3rver: "S3RVER_PORT",
};

function runScript(name: ServiceName, command: string, dir: string, port: number): Promise<string> {
  const script = join(REPO_ROOT, "infra", "services", `${name}.sh`);
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [script, command, dir],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, PORT: String(port), [PORT_VARS[name]]: String(port) },
        timeout: SCRIPT_TIMEOUT_MS,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${name}.sh ${command} failed: ${error.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

interface Running {
  port: number;
  env: Record<string, string>;
  pid: number | null;
}

/**
 * Private Redis / MariaDB / s3rver for one fault suite, started with infra/services/*.sh in a
 * temp folder, so a suite can stop, restart, pause and resume them without touching the servers
 * other suites share. A restart keeps the port (clients reconnect to the same address) and the
 * data folder (Redis' append-only file, MariaDB's tables, s3rver's objects).
 *
 * Every pid is also registered with the harness' exit guard: a crashed test run leaves no server.
 */
export class FaultServices {
  private readonly running = new Map<ServiceName, Running>();
  private readonly paused = new Set<ServiceName>();

  private constructor(readonly root: string) {}

  /** Starts the named services on free loopback ports under a new temp folder. */
  static async start(names: ServiceName[], label: string): Promise<FaultServices> {
    const root = await mkdtemp(join(process.env.ARCADE_TEST_DATA_DIR || tmpdir(), `faults-${label}-`));
    // The platform's run folder (with the plugin caches) goes inside: plugin processes run as
    // another user (runtime.plugin_uid) and must be able to pass through (mkdtemp makes 0700).
    await chmod(root, 0o711);
    const services = new FaultServices(root);
    try {
      // One after the other: the scripts pick free ports, and parallel picks could collide.
      for (const name of names) await services.launch(name, 0);
    } catch (error) {
      await services.stopAll().catch(() => {});
      throw error;
    }
    return services;
  }

  dataDir(name: ServiceName): string {
    return join(this.root, name);
  }

  private info(name: ServiceName): Running {
    const info = this.running.get(name);
    if (!info) throw new Error(`${name} was never started in ${this.root}`);
    return info;
  }

  private async launch(name: ServiceName, port: number): Promise<void> {
    await runScript(name, "start", this.dataDir(name), port);
    const env = parseEnv(await readFile(join(this.root, `${name}.env`), "utf8"));
    const pidText = await readFile(join(this.dataDir(name), PID_FILES[name]), "utf8").catch(() => "");
    const pid = Number.parseInt(pidText.trim(), 10);
    const portVar = name === "redis" ? "REDIS_PORT" : name === "mariadb" ? "MYSQL_PORT" : undefined;
    const actualPort = portVar
      ? Number(env[portVar])
      : Number(new URL(env.S3_ENDPOINT ?? "http://127.0.0.1:0").port);
    if (!Number.isInteger(actualPort) || actualPort <= 0) {
      throw new Error(`${name}.sh wrote no usable port: ${JSON.stringify(env)}`);
    }
    const running: Running = { port: actualPort, env, pid: Number.isInteger(pid) ? pid : null };
    if (running.pid) guardPid(running.pid);
    this.running.set(name, running);
  }

  /** The env file the script wrote (REDIS_URL, MYSQL_URL, S3_ENDPOINT, ...). */
  env(name: ServiceName): Record<string, string> {
    return this.info(name).env;
  }

  pid(name: ServiceName): number {
    const pid = this.info(name).pid;
    if (!pid) throw new Error(`${name} has no known pid`);
    return pid;
  }

  get redisUrl(): string {
    return this.env("redis").REDIS_URL ?? "";
  }

  get mysqlUrl(): string {
    return this.env("mariadb").MYSQL_URL ?? "";
  }

  get s3Endpoint(): string {
    return this.env("s3rver").S3_ENDPOINT ?? "";
  }

  /**
   * The ARCADE_TEST_* variables that point the process harness (startPlatform) at these
   * servers instead of the test run's shared ones.
   */
  testEnv(): Record<string, string> {
    const env: Record<string, string> = { ARCADE_TEST_DATA_DIR: this.root };
    // Every address of a service, the role users' too: one left over from the test run would
    // point the platform at the shared server instead of this suite's private one.
    if (this.running.has("redis")) {
      const redis = this.env("redis");
      env.ARCADE_TEST_REDIS_URL = this.redisUrl;
      env.ARCADE_TEST_REDIS_API_URL = redis.REDIS_API_URL ?? this.redisUrl;
      env.ARCADE_TEST_REDIS_WORKER_URL = redis.REDIS_WORKER_URL ?? this.redisUrl;
    }
    if (this.running.has("mariadb")) {
      env.ARCADE_TEST_MYSQL_URL = this.mysqlUrl;
      env.ARCADE_TEST_MYSQL_READER_URL = this.env("mariadb").MYSQL_READER_URL ?? this.mysqlUrl;
    }
    if (this.running.has("s3rver")) {
      env.ARCADE_TEST_S3_ENDPOINT = this.s3Endpoint;
      env.ARCADE_TEST_S3_BUCKET = this.env("s3rver").S3_BUCKET ?? "arcade";
    }
    return env;
  }

  /**
   * Sets testEnv() in this test process, so startPlatform()/usePlatform() use these servers.
   * Returns a function that puts the previous values back.
   */
  useForHarness(): () => void {
    const previous = new Map<string, string | undefined>();
    for (const [key, value] of Object.entries(this.testEnv())) {
      previous.set(key, process.env[key]);
      process.env[key] = value;
    }
    return () => {
      for (const [key, value] of previous) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    };
  }

  isRunning(name: ServiceName): boolean {
    const pid = this.running.get(name)?.pid;
    return pid !== null && pid !== undefined;
  }

  /** Stops the server with its script (its own shutdown, then TERM/KILL to its pid). */
  async stop(name: ServiceName): Promise<void> {
    const info = this.info(name);
    this.resume(name);
    await runScript(name, "stop", this.dataDir(name), info.port);
    if (info.pid) releasePid(info.pid);
    info.pid = null;
  }

  /** Starts a stopped server again on the port it had, with its data. */
  async start(name: ServiceName): Promise<void> {
    const info = this.info(name);
    if (info.pid) return;
    await this.launch(name, info.port);
  }

  async restart(name: ServiceName): Promise<void> {
    await this.stop(name);
    await this.start(name);
  }

  /** SIGSTOP: the server keeps its sockets open but answers nothing (a hung dependency). */
  pause(name: ServiceName): void {
    process.kill(this.pid(name), "SIGSTOP");
    this.paused.add(name);
  }

  resume(name: ServiceName): void {
    if (!this.paused.has(name)) return;
    this.paused.delete(name);
    const pid = this.info(name).pid;
    if (pid) {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // gone already
      }
    }
  }

  /** Stops every server (resuming paused ones first) and removes the folder unless `keepFiles`. */
  async stopAll(options: { keepFiles?: boolean } = {}): Promise<void> {
    const errors: unknown[] = [];
    for (const name of [...this.running.keys()].reverse()) {
      if (!this.isRunning(name)) continue;
      await this.stop(name).catch((error: unknown) => errors.push(error));
    }
    if (errors.length === 0 && !options.keepFiles)
      await rm(this.root, { recursive: true, force: true }).catch(() => {});
    if (errors.length > 0)
      throw new AggregateError(errors, `stopping the fault services in ${this.root} failed`);
  }
}
