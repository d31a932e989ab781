/**
 * Process harness of the cross-process suites (test/e2e, test/runtime, ...).
 *
 * Start a platform on the services of the test run (ARCADE_TEST_* from infra/scripts/test.sh):
 *
 *   const platform = usePlatform({ apis: 2, workers: 1, database: "sqlite", storage: "fs" });
 *   it("installs", async () => {
 *     const p = platform();
 *     const zip = await buildExamplePlugin("notify-stdout");          // or buildPluginZip({...})
 *     const accepted = await p.installZip(zip);                        // 202 + job
 *     const job = await p.waitJob(accepted.body.jobId);                // polls until finished
 *     const res = await p.call("GET", `/api/v1/plugins/${job.pluginId}`, undefined, { apiIndex: 1 });
 *     await p.workers[0].kill("SIGKILL"); await p.workers[0].start();  // fault injection
 *   });
 *
 * - startPlatform(options) / usePlatform(options): `apis` API processes and `workers` worker
 *   processes, each ONE node process on the compiled entry (`node apps/<app>/dist/main.js`,
 *   built before the suites start), so the pid in a handle is the server itself: kill(SIGKILL) kills it
 *   and leaves no orphan. Every process gets: a free loopback port (APIs), its own ARCADE_NODE_ID
 *   and plugin cache dir, the platform's Redis key prefix, database (sqlite in a shared data dir,
 *   or a fresh MariaDB database arcade_e2e_<id>), store (fs in the shared data dir, or S3 under
 *   the prefix e2e-<id>/), ARCADE_ADMIN_TOKEN = platform.token, short heartbeat / reconcile /
 *   convergence timings and no rate limit (see FAST_CLUSTER_ENV; options.env / apiEnv /
 *   workerEnv override). With mysql+s3 each process also gets its own data dir: nothing is shared
 *   through the file system.
 * - Handles: apis[i] { url, port, nodeId, pid, logFile, start, stop, kill, signal, restart,
 *   waitReady, output }, workers[i] { nodeId, pid, logFile, start, stop, kill, signal, restart,
 *   output }. start() waits for readiness (/readyz for APIs, the "worker ready" log line for
 *   workers); start/restart({ env }) replace that process's extra env for this and later starts.
 * - Platform helpers: request(path, init, apiIndex) (fetch with the token), call(method, path,
 *   body, { apiIndex, headers }) (JSON), installZip(zipPathOrBytes, opts), updateZip(pluginId,
 *   zip, opts), waitJob(jobId), addWorker(), listObjects(prefix) (store keys; fs includes
 *   *.tmp-* debris), logReport(), keepFiles(), stopAll().
 * - Every process's stdout+stderr goes to <runDir>/logs/<name>.log; usePlatform prints the
 *   path and the tails when a test fails and keeps the folder.
 * - Cleanup: stopAll() (SIGTERM, then SIGKILL after 15 s) drops the database, the S3 objects and
 *   the Redis keys; the pids are also SIGKILLed when the test process exits, and every child
 *   exits by itself if the test process dies (parent-watch.mjs).
 * - missingServices({ database, storage }) lists the ARCADE_TEST_* variables a variant lacks,
 *   skipReason(missing) says so in a sentence (use with describe.skipIf).
 * - buildPluginZip({ name, version, pluginType, source, manifest, files, paddingBytes, rawNames })
 *   builds a plugin zip in memory; buildExamplePlugin("notify-stdout", { version }) packs an
 *   example plugin with the SDK CLI once per test process and returns the zip's path.
 */
export { expectEveryNodeApplied } from "./convergence.js";
export { buildExamplePlugin } from "./example-plugins.js";
export { freePort } from "./free-port.js";
export { isFinished, type JsonResponse, type UploadOptions } from "./http-client.js";
export { descendantPids, type ExitInfo, PlatformProcess, pidAlive } from "./platform-process.js";
export { buildPluginZip, type PluginZipOptions, pluginManifest, pluginSource } from "./plugin-zip.js";
export { API_ENTRY, REPO_ROOT, WORKER_ENTRY } from "./repo-paths.js";
export {
  type DatabaseKind,
  missingServices,
  motoTarget,
  S3_TEST_CREDENTIALS,
  type S3Target,
  type StorageKind,
  serviceAddresses,
  skipReason,
} from "./service-env.js";
export {
  type ApiHandle,
  type CallOptions,
  type Platform,
  type PlatformOptions,
  startPlatform,
  type WorkerHandle,
} from "./start-platform.js";
export { usePlatform } from "./use-platform.js";
