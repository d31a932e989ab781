import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { freePort } from "../harness/free-port.js";
import { REPO_ROOT } from "../harness/repo-paths.js";
import { missingServices, serviceAddresses, skipReason } from "../harness/service-env.js";
import { freshCheckout } from "./fresh-checkout.js";
import { extractBlocks } from "./markdown-blocks.js";
import { runWalkthrough } from "./walkthrough-runner.js";
import { DOCUMENTED_PORTS, WALKTHROUGHS, type Walkthrough } from "./walkthroughs.js";

// Every documented walk-through, run as written: the sh blocks of its sections, in order, with
// bash, in a fresh checkout (tracked files, dependencies installed), against a fresh platform
// that the walk-through starts itself with `npm start`. The platform's Redis is the test run's
// (ARCADE_REDIS_URL, which `npm start` honours, under a key prefix of its own); everything else
// is the embedded first run the docs describe. See README.md in this folder for the markers.

const missing = missingServices({ database: "sqlite", storage: "fs" });
const keep = process.env.ARCADE_KEEP_WALKTHROUGH === "1";

/** The environment of a reader's terminal: nothing of the test process's own. */
function readerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    // The test run's settings (ARCADE_TEST_*), vitest's and pnpm's variables are not the reader's.
    if (/^(ARCADE_|VITEST|npm_|PNPM_SCRIPT|NODE_ENV$|NODE_OPTIONS$|TEST$|INIT_CWD$|FORCE_COLOR$)/.test(key))
      continue;
    env[key] = value;
  }
  // `pnpm exec vitest` put the workspace's node_modules/.bin folders on the PATH: a reader's
  // shell has none of them, so a doc that relies on `tsx` or `vitest` being there fails here as
  // it would there. (The toolchain's folders under .tools/ stay: they are Node and pnpm.)
  env.PATH = (env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => !/node_modules[\\/]\.bin/.test(dir) || dir.includes(`${path.sep}.tools${path.sep}`))
    .join(path.delimiter);
  return { ...env, ...extra };
}

async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

async function runDocumented(w: Walkthrough): Promise<void> {
  const markdown = await readFile(path.join(REPO_ROOT, w.file), "utf8");
  const blocks = extractBlocks(w.file, markdown, w.sections);
  expect(blocks.length, `${w.file} has no sh blocks in ${w.sections?.join(", ") ?? "it"}`).toBeGreaterThan(0);

  const scratch = serviceAddresses().dataDir ?? tmpdir();
  const root = path.join(
    scratch,
    `walkthrough-${path.basename(w.file, ".md").toLowerCase()}-${randomBytes(3).toString("hex")}`,
  );
  const checkout = path.join(root, "checkout");
  await mkdir(root, { recursive: true });
  const redisUrl = serviceAddresses().redisUrl!;
  // Under "arcade": the test Redis lets its users touch "arcade*" keys only (infra/services/redis.sh).
  const prefix = `arcade-wt-${randomBytes(4).toString("hex")}`;
  const apiPort = await freePort();
  const marketPort = await freePort();
  const workerMetricsPort = await freePort();
  const ports = new Map<number, number>([
    [DOCUMENTED_PORTS.api, apiPort],
    [DOCUMENTED_PORTS.market, marketPort],
  ]);
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  let passed = false;
  try {
    const copyStarted = Date.now();
    await freshCheckout(REPO_ROOT, checkout);
    log(
      `${w.name}: fresh checkout in ${((Date.now() - copyStarted) / 1000).toFixed(1)}s at ${checkout}; ` +
        `ports ${DOCUMENTED_PORTS.api} -> ${apiPort}, ${DOCUMENTED_PORTS.market} -> ${marketPort}`,
    );
    const result = await runWalkthrough(blocks, {
      cwd: checkout,
      runDir: path.join(root, "run"),
      env: readerEnv({
        ARCADE_REDIS_URL: redisUrl,
        ARCADE_REDIS_KEY_PREFIX: prefix,
        ARCADE_SERVER_PORT: String(apiPort),
        ARCADE_API_URL: `http://127.0.0.1:${apiPort}`,
        // The worker's metrics endpoint has a fixed default port too (9464), which another
        // platform on this machine (or the walk-through beside this one) may hold.
        ARCADE_WORKER_METRICS_PORT: String(workerMetricsPort),
      }),
      rewrite: (text) => text.replace(/\b(8080|8090)\b/g, (port) => String(ports.get(Number(port)))),
      log,
    });
    const count = (status: string) => result.outcomes.filter((o) => o.status === status).length;
    const skipped = result.outcomes.filter((o) => o.status === "skipped");
    log(
      `${w.name}: ${count("passed")} blocks passed, ${count("started")} started in the background, ` +
        `${skipped.length} skipped, ${count("failed")} failed, ${count("not-run")} not run ` +
        `(${(result.durationMs / 1000).toFixed(1)}s)`,
    );
    for (const s of skipped) log(`  skipped ${s.block.file}:${s.block.line}: ${s.reason}`);
    expect(result.failure, result.failure).toBeUndefined();
    passed = true;
  } finally {
    await dropRedisKeys(redisUrl, prefix).catch(() => {});
    if (passed && !keep) await rm(root, { recursive: true, force: true });
    else console.log(`${w.name}: kept ${root} (scripts, outputs and the checkout)`);
  }
}

// The walk-throughs share nothing (own checkout, ports and Redis prefix) and spend most of their
// time waiting for processes to start, so they run side by side.
describe.skipIf(missing.length > 0)(
  `documented walk-throughs, run as written${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    for (const w of WALKTHROUGHS) {
      it.concurrent(w.name, () => runDocumented(w), 420_000);
    }
  },
);
