// HEALTHCHECK of the platform image (infra/docker/Dockerfile): GET /readyz of the process this
// container runs, on 127.0.0.1. One image serves every process, so it looks for the one that runs:
//   api     -> ARCADE_SERVER_PORT (default 8080)
//   worker  -> ARCADE_WORKER_METRICS_PORT (default 9464; 0 means no endpoint: nothing to ask)
//   neither (a cli container) -> healthy, nothing to ask
// Exit 0 healthy, 1 unhealthy (Docker's contract). Ports come from the environment only: a port
// set in a TOML file (ARCADE_CONFIG) must be given as the env variable too.
// ARCADE_HEALTHCHECK_PROC (default /proc) lets the tests point it at a fake process table.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const TIMEOUT_MS = 4000;
const procRoot = process.env.ARCADE_HEALTHCHECK_PROC ?? "/proc";

/** "api", "worker" or null, from the command lines of the processes in this container. */
function runningProcess() {
  let found = null;
  for (const pid of readdirSync(procRoot)) {
    if (!/^\d+$/.test(pid)) continue;
    let args;
    try {
      args = readFileSync(join(procRoot, pid, "cmdline"), "utf8").split("\0");
    } catch {
      continue; // gone since the listing
    }
    if (args.some((a) => a.endsWith("apps/api/dist/main.js"))) return "api";
    if (args.some((a) => a.endsWith("apps/worker/dist/main.js"))) found = "worker";
  }
  return found;
}

function port(name, fallback) {
  const raw = process.env[name]?.trim();
  return raw ? Number(raw) : fallback;
}

const which = runningProcess();
const target =
  which === "api"
    ? port("ARCADE_SERVER_PORT", 8080)
    : which === "worker"
      ? port("ARCADE_WORKER_METRICS_PORT", 9464)
      : null;

if (target === null) {
  console.log("no api or worker process here: nothing to check");
  process.exit(0);
}
if (target === 0) {
  console.log(`${which}: ARCADE_WORKER_METRICS_PORT=0, no endpoint to ask`);
  process.exit(0);
}

const url = `http://127.0.0.1:${target}/readyz`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await res.text();
  console.log(`${which} ${url}: ${res.status} ${body.slice(0, 500)}`);
  process.exit(res.status === 200 ? 0 : 1);
} catch (error) {
  console.log(`${which} ${url}: ${error?.cause?.code ?? error?.message ?? error}`);
  process.exit(1);
}
