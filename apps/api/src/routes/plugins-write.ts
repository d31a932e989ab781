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
import { readMultipartUpload } from "../uploads/multipart-upload.js";
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

  /**
   * Shared head of every mutation. The replay comes before the plugin lookup:
   * a retried DELETE must get its job back even though the plugin is gone.
   */
  async function begin(c: Context, type: JobType, pluginId: string | null) {
    const principal = c.get("principal");
    const key = submitter.scopeIdempotencyKey(principal.name, c.req.header("idempotency-key"));
    const replay = await submitter.replay(key, { type, pluginId });
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
    const pluginId = rawId === null ? null : (await findPluginOr404(deps, rawId)).pluginId;
    if (pluginId) await submitter.assertIdle(pluginId);
    const jobId = newJobId();
    const staged = stagingKey(jobId);
    const upload = await readMultipartUpload(c, {
      store: deps.store,
      key: staged,
      maxBytes: deps.limits.maxPluginSize,
    });
    try {
      const artifact = artifactSource(upload.fields, upload.file, staged);
      const common = {
        requestedBy: principal.name,
        requestedRole: principal.role,
        requestId: c.get("requestId"),
      };
      const job =
        pluginId === null
          ? await submitter.submit({
              jobId,
              type: "install",
              pluginId: null,
              payload: { ...common, artifact },
              requestedBy: principal.name,
              idempotencyKey: key,
            })
          : await submitter.submit({
              jobId,
              type: "update",
              pluginId,
              payload: {
                ...common,
                pluginId,
                artifact,
                ...(upload.fields.allowDowngrade === "true" ? { allowDowngrade: true } : {}),
                // Approves permissions beyond the installed version's only when asked to.
                ...(acceptFromQuery || upload.fields.acceptPermissions === "true"
                  ? { acceptPermissions: true }
                  : {}),
              },
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

  async function stateRequest<T extends StateJob>(c: Context, type: T, payload: JobPayloads[T]) {
    const { wait, principal, key, plugin } = c.get("mutation");
    await submitter.assertIdle(plugin.pluginId);
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
    // Checked (in clear) and sealed here, before a job exists: the job carries secrets sealed.
    const config = configSecrets.seal(plugin, body, await deps.plugins.getConfig(plugin.pluginId));
    return stateRequest(c, "configure", { ...payloadHead(c), config });
  };
  const rollback: RouteHandler<typeof rollbackPlugin> = (c, { body }) =>
    stateRequest(c, "rollback", {
      ...payloadHead(c),
      ...(body.version === undefined ? {} : { version: body.version }),
    });

  return { stateHead, install, update, uninstall, enable, disable, configure, rollback };
}
