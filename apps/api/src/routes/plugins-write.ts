import type { JobType } from "@arcade/contracts";
import { AppError, stagingKey, validateConfig } from "@arcade/core";
import { type Context, Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { requireRole } from "../http/auth.js";
import { asObject, readJsonBody } from "../http/json-body.js";
import { QueryReader } from "../http/query.js";
import { JobSubmitter, newJobId } from "../services/job-submitter.js";
import { readMultipartUpload } from "../uploads/multipart-upload.js";
import { artifactSource } from "./artifact-source.js";
import { readWaitSeconds, respondWithJob } from "./job-response.js";
import { findPluginOr404 } from "./plugins-read.js";

type StateJob = Exclude<JobType, "install" | "update">;

/**
 * Every mutation: validate cheaply (wait, idempotent replay, plugin exists,
 * plugin idle) before reading a body, stage what must be staged, write the
 * operation row, enqueue, answer 202.
 */
export function pluginWriteRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const submitter = new JobSubmitter(deps.jobs, deps.queue, deps.clock);
  const admin = requireRole("admin");
  const operator = requireRole("operator");

  /**
   * Shared head of every mutation. The replay comes before the plugin lookup:
   * a retried DELETE must get its job back even though the plugin is gone.
   */
  async function begin(c: Context, type: JobType, pluginId: string | null) {
    const wait = readWaitSeconds(c);
    const principal = c.get("principal");
    const key = submitter.scopeIdempotencyKey(principal.name, c.req.header("idempotency-key"));
    const replay = await submitter.replay(key, { type, pluginId });
    return { wait, principal, key, replay };
  }

  async function artifactRequest(c: Context, type: "install" | "update") {
    const rawId = type === "update" ? (c.req.param("pluginId") ?? "") : null;
    const { wait, principal, key, replay } = await begin(c, type, rawId);
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
      const operation =
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
                ...(acceptPermissions(c, upload.fields) ? { acceptPermissions: true } : {}),
              },
              requestedBy: principal.name,
              idempotencyKey: key,
            });
      // A concurrent request with the same key won: its job has its own staged copy.
      if (operation.jobId !== jobId && upload.file) await deps.store.delete(staged).catch(() => {});
      return respondWithJob(c, submitter, operation, wait);
    } catch (error) {
      if (upload.file) await deps.store.delete(staged).catch(() => {});
      throw error;
    }
  }

  async function stateRequest(
    c: Context,
    type: StateJob,
    build: (body: Record<string, unknown>) => Record<string, unknown>,
  ) {
    const { wait, principal, key, replay } = await begin(c, type, c.req.param("pluginId") ?? "");
    if (replay) return respondWithJob(c, submitter, replay, wait);
    const plugin = await findPluginOr404(deps, c.req.param("pluginId") ?? "");
    const body = asObject(await readJsonBody(c, deps.limits.jsonBodyBytes), "the body");
    const extra = build(body);
    if (type === "configure") assertConfigFits(plugin.configSchema, extra.config);
    await submitter.assertIdle(plugin.pluginId);
    const operation = await submitter.submit({
      jobId: newJobId(),
      type,
      pluginId: plugin.pluginId,
      payload: {
        requestedBy: principal.name,
        requestId: c.get("requestId"),
        pluginId: plugin.pluginId,
        ...extra,
      } as never,
      requestedBy: principal.name,
      idempotencyKey: key,
    });
    return respondWithJob(c, submitter, operation, wait);
  }

  function cascadeOf(c: Context, body: Record<string, unknown>): { cascade?: boolean } {
    const query = new QueryReader(c.req.query());
    const fromQuery = query.bool("cascade");
    query.done();
    const cascade = fromQuery ?? (body.cascade === true ? true : undefined);
    return cascade ? { cascade } : {};
  }

  app.post("/install", admin, (c) => artifactRequest(c, "install"));
  app.put("/:pluginId", admin, (c) => artifactRequest(c, "update"));
  app.delete("/:pluginId", admin, (c) => stateRequest(c, "uninstall", (body) => cascadeOf(c, body)));
  app.post("/:pluginId/enable", operator, (c) => stateRequest(c, "enable", () => ({})));
  app.post("/:pluginId/disable", operator, (c) => stateRequest(c, "disable", (body) => cascadeOf(c, body)));
  app.put("/:pluginId/config", operator, (c) => stateRequest(c, "configure", (config) => ({ config })));
  app.post("/:pluginId/rollback", admin, (c) =>
    stateRequest(c, "rollback", (body) => {
      if (body.version === undefined) return {};
      if (typeof body.version !== "string" || body.version.length === 0 || body.version.length > 64) {
        throw new AppError("VALIDATION_FAILED", "version must be a version string", {
          errors: [{ path: "/version", message: "must be a string like 1.0.0" }],
        });
      }
      return { version: body.version };
    }),
  );

  return app;
}

/**
 * An update approves permissions beyond the installed version's only when asked to:
 * `acceptPermissions=true` as a form field or in the query.
 */
function acceptPermissions(c: Context, fields: Record<string, string>): boolean {
  const query = new QueryReader(c.req.query());
  const fromQuery = query.bool("acceptPermissions");
  query.done();
  return fromQuery === true || fields.acceptPermissions === "true";
}

/** 422 CONFIG_INVALID with every error, before a job is made for a config the worker would refuse. */
function assertConfigFits(schema: unknown, config: unknown): void {
  const errors = validateConfig(schema, config);
  if (errors.length > 0) {
    throw new AppError("CONFIG_INVALID", "the config does not satisfy the plugin's configSchema", { errors });
  }
}
