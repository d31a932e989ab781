import type {
  disablePlugin,
  enablePlugin,
  installPlugin,
  JobPayloads,
  JobType,
  rollbackPlugin,
  setPluginConfig,
  uninstallPlugin,
  updatePlugin,
} from "@arcade/contracts";
import { type PluginRecord, stagingKey } from "@arcade/core";
import type { Context, MiddlewareHandler } from "hono";
import type { ApiDeps } from "../deps.js";
import type { Principal } from "../http/context.js";
import type { RouteHandler } from "../http/contract-router.js";
import { ConfigSecrets } from "../services/config-secrets.js";
import { JobSubmitter, newJobId } from "../services/job-submitter.js";
import { isDryRun, PlanRequests } from "../services/plan-request.js";
import { readMultipartUpload } from "../uploads/multipart-upload.js";
import { artifactPayload } from "./artifact-payload.js";
import { artifactSource } from "./artifact-source.js";
import { respondWithJob } from "./job-response.js";
import { findPluginOr404 } from "./plugins-read.js";

type StateJob = Exclude<JobType, "install" | "update">;

/** What the head of a state mutation found, for the handler after the body is read. */
interface MutationHead {
  wait: number;
  principal: Principal;
  key: string | null;
  plugin: PluginRecord;
}

declare module "hono" {
  interface ContextVariableMap {
    mutation: MutationHead;
  }
}

/**
 * Every mutation: validate cheaply (wait, idempotent replay, plugin exists,
 * plugin idle) before reading a body, stage what must be staged, write the
 * job row, enqueue, answer 202.
 */
export function pluginWriteHandlers(deps: ApiDeps) {
  const submitter = new JobSubmitter(deps.jobs, deps.queue, deps.clock, deps.jobEvents ?? null);
  const configSecrets = new ConfigSecrets(deps.secrets ?? null);
  const plans = new PlanRequests(deps);

  /**
   * Shared head of every mutation. The replay comes before the plugin lookup:
   * a retried DELETE must get its job back even though the plugin is gone.
   */
  async function begin(c: Context, type: JobType, pluginId: string | null) {
    const principal = c.get("principal");
    const key = submitter.scopeIdempotencyKey(principal.name, c.req.header("idempotency-key"));
    // A dry run creates no job, so it has none to replay (the key is still checked).
    const replay = isDryRun(c) ? null : await submitter.replay(key, { type, pluginId });
    return { principal, key, replay };
  }

  /** Before the JSON body of a state mutation: a replay answers here, an unknown plugin is 404. */
  function stateHead(type: StateJob): MiddlewareHandler {
    return async function stateHeadMiddleware(c, next) {
      const wait = (c.req.valid("query" as never) as { wait: number }).wait;
      const rawId = c.req.param("pluginId") ?? "";
      const { principal, key, replay } = await begin(c, type, rawId);
      if (replay) return respondWithJob(c, submitter, replay, wait);
      const plugin = await findPluginOr404(deps, rawId);
      c.set("mutation", { wait, principal, key, plugin });
      return next();
    };
  }

  async function artifactRequest(
    c: Context,
    type: "install" | "update",
    wait: number,
    rawId: string | null,
    acceptFromQuery: boolean,
  ) {
    const { principal, key, replay } = await begin(c, type, rawId);
    if (replay) return respondWithJob(c, submitter, replay, wait);
    const plugin = rawId === null ? null : await findPluginOr404(deps, rawId);
    const pluginId = plugin?.pluginId ?? null;
    if (pluginId) await submitter.assertIdle(pluginId);
    if (isDryRun(c)) return c.json(await plans.artifact(c, plugin, { principal, acceptFromQuery }), 200);
    const jobId = newJobId();
    const staged = stagingKey(jobId);
    const upload = await readMultipartUpload(c, {
      store: deps.store,
      key: staged,
      maxBytes: deps.limits.maxPluginSize,
    });
    try {
      const artifact = artifactSource(upload.fields, upload.file, staged);
      const request = { principal, requestId: c.get("requestId"), fields: upload.fields, acceptFromQuery };
      const built = artifactPayload(pluginId, artifact, request);
      const job =
        built.type === "install"
          ? await submitter.submit({
              jobId,
              type: "install",
              pluginId: null,
              payload: built.payload,
              requestedBy: principal.name,
              idempotencyKey: key,
            })
          : await submitter.submit({
              jobId,
              type: "update",
              pluginId: built.payload.pluginId,
              payload: built.payload,
              requestedBy: principal.name,
              idempotencyKey: key,
            });
      // A concurrent request with the same key won: its job has its own staged copy.
      if (job.jobId !== jobId && upload.file) await deps.store.delete(staged).catch(() => {});
      return respondWithJob(c, submitter, job, wait);
    } catch (error) {
      if (upload.file) await deps.store.delete(staged).catch(() => {});
      throw error;
    }
  }

  /** The fields every state job's payload starts with. */
  function payloadHead(c: Context) {
    const { principal, plugin } = c.get("mutation");
    return { requestedBy: principal.name, requestId: c.get("requestId"), pluginId: plugin.pluginId };
  }

  /** `clear`: a configure's config in clear (the payload's is sealed), for its dry run's plan. */
  async function stateRequest<T extends StateJob>(
    c: Context,
    type: T,
    payload: JobPayloads[T],
    clear?: Record<string, unknown>,
  ) {
    const { wait, principal, key, plugin } = c.get("mutation");
    await submitter.assertIdle(plugin.pluginId);
    if (isDryRun(c)) return c.json(await plans.state(type, plugin, payload, { principal, clear }), 200);
    const job = await submitter.submit({
      jobId: newJobId(),
      type,
      pluginId: plugin.pluginId,
      payload,
      requestedBy: principal.name,
      idempotencyKey: key,
    });
    return respondWithJob(c, submitter, job, wait);
  }

  /** `?cascade=true`, or `{ "cascade": true }` in the body (any other body value is ignored). */
  const cascadeOf = (fromQuery: boolean | undefined, body: { cascade?: unknown }) =>
    (fromQuery ?? (body.cascade === true ? true : undefined)) ? { cascade: true } : {};

  const install: RouteHandler<typeof installPlugin> = (c, { query }) =>
    artifactRequest(c, "install", query.wait, null, false);
  const update: RouteHandler<typeof updatePlugin> = (c, { params, query }) =>
    artifactRequest(c, "update", query.wait, params.pluginId, query.acceptPermissions === true);
  const uninstall: RouteHandler<typeof uninstallPlugin> = (c, { query, body }) =>
    stateRequest(c, "uninstall", { ...payloadHead(c), ...cascadeOf(query.cascade, body) });
  const enable: RouteHandler<typeof enablePlugin> = (c) => stateRequest(c, "enable", payloadHead(c));
  const disable: RouteHandler<typeof disablePlugin> = (c, { query, body }) =>
    stateRequest(c, "disable", { ...payloadHead(c), ...cascadeOf(query.cascade, body) });
  const configure: RouteHandler<typeof setPluginConfig> = async (c, { body }) => {
    const { plugin } = c.get("mutation");
    const stored = await deps.plugins.getConfig(plugin.pluginId);
    if (isDryRun(c)) {
      // The plan lists what the schema refuses (CONFIG_INVALID) instead of answering 422.
      const { sealed, clear } = configSecrets.prepare(plugin, body, stored);
      return stateRequest(c, "configure", { ...payloadHead(c), config: sealed }, clear);
    }
    // Checked (in clear) and sealed here, before a job exists: the job carries secrets sealed.
    const config = configSecrets.seal(plugin, body, stored);
    return stateRequest(c, "configure", { ...payloadHead(c), config });
  };
  const rollback: RouteHandler<typeof rollbackPlugin> = (c, { body }) =>
    stateRequest(c, "rollback", {
      ...payloadHead(c),
      ...(body.version === undefined ? {} : { version: body.version }),
    });

  return { stateHead, install, update, uninstall, enable, disable, configure, rollback };
}
