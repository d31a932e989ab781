import type { ArtifactSource, JobType, StagedArtifact } from "@arcade/contracts";
import { AppError, stagingKey, validateConfig } from "@arcade/core";
import { type Context, Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { requireRole } from "../http/auth.js";
import { asObject, readJsonBody } from "../http/json-body.js";
import { QueryReader } from "../http/query.js";
import { JobSubmitter, newJobId } from "../services/job-submitter.js";
import { readMultipartUpload } from "../uploads/multipart-upload.js";
import { readWaitSeconds, respondWithJob } from "./job-response.js";
import { findPluginOr404 } from "./plugins-read.js";

const MODULE_FILE = /\.(m?js)$/i;

/** Every mutation: validate cheaply, stage what must be staged, write the operation row, enqueue, answer 202. */
export function pluginWriteRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const submitter = new JobSubmitter(deps.operations, deps.jobs, deps.clock);
  const admin = requireRole("admin");
  const operator = requireRole("operator");

  /** Shared head of every mutation: wait parameter, idempotent replay. */
  async function begin(c: Context) {
    const wait = readWaitSeconds(c);
    const principal = c.get("principal");
    const key = submitter.scopeIdempotencyKey(principal.name, c.req.header("idempotency-key"));
    const replay = await submitter.replay(key);
    return { wait, principal, key, replay };
  }

  async function artifactRequest(c: Context, type: "install" | "update", pluginId: string | null) {
    const { wait, principal, key, replay } = await begin(c);
    if (replay) {
      await c.req.raw.body?.cancel().catch(() => {});
      return respondWithJob(c, submitter, replay, wait);
    }
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
      const requestId = c.get("requestId");
      const common = { requestedBy: principal.name, requestId };
      const operation =
        type === "install"
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
                pluginId: pluginId!,
                artifact,
                ...(upload.fields.allowDowngrade === "true" ? { allowDowngrade: true } : {}),
              },
              requestedBy: principal.name,
              idempotencyKey: key,
            });
      if (operation.jobId !== jobId) await deps.store.delete(staged).catch(() => {});
      return respondWithJob(c, submitter, operation, wait);
    } catch (error) {
      await deps.store.delete(staged).catch(() => {});
      throw error;
    }
  }

  async function stateRequest(
    c: Context,
    type: Exclude<JobType, "install" | "update">,
    build: (pluginId: string, body: Record<string, unknown>) => Record<string, unknown>,
  ) {
    const { wait, principal, key, replay } = await begin(c);
    if (replay) return respondWithJob(c, submitter, replay, wait);
    const plugin = await findPluginOr404(deps, c.req.param("pluginId") ?? "");
    const body = asObject(await readJsonBody(c, deps.limits.jsonBodyBytes), "the body");
    const extra = build(plugin.pluginId, body);
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

  app.post("/install", admin, (c) => artifactRequest(c, "install", null));

  app.put("/:pluginId", admin, async (c) => {
    const plugin = await findPluginOr404(deps, c.req.param("pluginId"));
    return artifactRequest(c, "update", plugin.pluginId);
  });

  app.delete("/:pluginId", admin, (c) => stateRequest(c, "uninstall", (_id, body) => cascadeOf(c, body)));
  app.post("/:pluginId/enable", operator, (c) => stateRequest(c, "enable", () => ({})));
  app.post("/:pluginId/disable", operator, (c) =>
    stateRequest(c, "disable", (_id, body) => cascadeOf(c, body)),
  );

  app.put("/:pluginId/config", operator, async (c) => {
    const { wait, principal, key, replay } = await begin(c);
    if (replay) return respondWithJob(c, submitter, replay, wait);
    const plugin = await findPluginOr404(deps, c.req.param("pluginId"));
    const config = asObject(await readJsonBody(c, deps.limits.jsonBodyBytes), "the config");
    const errors = validateConfig(plugin.configSchema, config);
    if (errors.length > 0) {
      throw new AppError("CONFIG_INVALID", "the config does not satisfy the plugin's configSchema", {
        errors,
      });
    }
    await submitter.assertIdle(plugin.pluginId);
    const operation = await submitter.submit({
      jobId: newJobId(),
      type: "configure",
      pluginId: plugin.pluginId,
      payload: {
        requestedBy: principal.name,
        requestId: c.get("requestId"),
        pluginId: plugin.pluginId,
        config,
      },
      requestedBy: principal.name,
      idempotencyKey: key,
    });
    return respondWithJob(c, submitter, operation, wait);
  });

  app.post("/:pluginId/rollback", admin, (c) =>
    stateRequest(c, "rollback", (_id, body) => {
      if (body.version === undefined) return {};
      if (typeof body.version !== "string" || body.version.length > 64) {
        throw new AppError("VALIDATION_FAILED", "version must be a version string", {
          errors: [{ path: "/version", message: "must be a string like 1.0.0" }],
        });
      }
      return { version: body.version };
    }),
  );

  return app;
}

function artifactSource(
  fields: Record<string, string>,
  file: { key: string; size: number; sha256: string; fileName: string } | null,
  staged: string,
): ArtifactSource {
  const source = fields.source ?? (file ? "local" : undefined);
  if (source === "market") {
    if (file) throw invalid("/file", "a market install takes no file: send marketId (and version)");
    const marketId = fields.marketId?.trim();
    if (!marketId) throw invalid("/marketId", "is required when source=market");
    const version = fields.version?.trim();
    return { source: "market", marketId, ...(version ? { version } : {}) };
  }
  if (source !== "local") throw invalid("/source", 'must be "local" or "market"');
  if (!file)
    throw invalid("/file", "is required when source=local (a .zip, or one .js/.mjs file plus manifest)");
  const isModule = MODULE_FILE.test(file.fileName);
  const artifact: StagedArtifact = {
    key: staged,
    size: file.size,
    sha256: file.sha256,
    kind: isModule ? "module" : "zip",
    fileName: safeFileName(file.fileName),
  };
  if (isModule) {
    if (!fields.manifest) throw invalid("/manifest", "is required with a single .js/.mjs file");
    try {
      artifact.manifest = JSON.parse(fields.manifest);
    } catch (error) {
      throw new AppError(
        "MALFORMED_JSON",
        `the manifest field is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  if (fields.signature || fields.keyId) {
    if (!fields.signature || !fields.keyId) throw invalid("/signature", "signature and keyId go together");
    artifact.signature = { keyId: fields.keyId, signature: fields.signature };
  }
  return { source: "local", staged: artifact };
}

function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "upload";
  return base.replace(/[^\w.-]/g, "_").slice(0, 200) || "upload";
}

function invalid(path: string, message: string): AppError {
  return new AppError("VALIDATION_FAILED", `${path.slice(1)} ${message}`, { errors: [{ path, message }] });
}
