import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { inspectArchive } from "@arcade/archive";
import type { FieldError, Manifest, validateManifest as validateManifestRoute } from "@arcade/contracts";
import {
  AppError,
  adminOnlyPermissions,
  hostPathProblems,
  isAppError,
  permissionsOf,
  validateManifest,
} from "@arcade/core";
import type { Context } from "hono";
import type { ApiDeps } from "../deps.js";
import type { RouteHandler } from "../http/contract-router.js";
import { readJsonBody } from "../http/json-body.js";
import { readMultipart } from "../uploads/multipart-reader.js";
import { writeScratchFile } from "../uploads/scratch-file.js";

/**
 * POST /plugins/validate-manifest: a JSON manifest, or a zip (raw
 * application/zip body, or multipart with a `file` part). Answers
 * `{ valid, errors, manifest }` and changes nothing; the zip lives only in a
 * scratch file for the length of the request. A viewer may call it: it is a
 * POST only because it takes a body.
 */
export function validateManifestHandler(deps: ApiDeps): RouteHandler<typeof validateManifestRoute> {
  return async (c) => {
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    if (type.startsWith("application/json") || /^application\/[a-z0-9.-]+\+json/.test(type)) {
      const body = await readJsonBody(c, deps.limits.jsonBodyBytes);
      if (body === undefined) throw new AppError("VALIDATION_FAILED", "send a manifest as the JSON body");
      return c.json(withPermissions(deps, validateManifest(body)));
    }
    if (type.startsWith("application/zip") || type.startsWith("application/octet-stream")) {
      const body = c.req.raw.body;
      if (!body) throw new AppError("VALIDATION_FAILED", "the request has no body");
      return c.json(
        await withScratchZip(deps, (path) =>
          writeScratchFile(
            Readable.fromWeb(body as unknown as WebReadableStream),
            path,
            deps.limits.maxPluginSize,
          ),
        ),
      );
    }
    if (type.startsWith("multipart/form-data")) {
      return c.json(await withScratchZip(deps, (path) => receiveMultipartZip(deps, c, path)));
    }
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send application/json (a manifest) or a zip", {
      detail: "Content types: application/json, application/zip, multipart/form-data with a file part.",
    });
  };
}

/**
 * Adds what a valid manifest's plugin would run with: its permissions spelled out,
 * the grants that need an admin to install, and this platform's verdict on host paths
 * (runtime.allowed_host_paths), which makes the manifest invalid here when it fails.
 */
function withPermissions(
  deps: ApiDeps,
  result: { valid: boolean; errors: FieldError[]; manifest: Manifest | null },
) {
  if (!result.valid || !result.manifest) return result;
  const permissions = permissionsOf(result.manifest);
  const problems = hostPathProblems(permissions.fs, deps.limits.allowedHostPaths ?? []);
  const needsAdmin = adminOnlyPermissions(permissions);
  if (problems.length > 0) return { valid: false, errors: problems, manifest: null, permissions, needsAdmin };
  return { ...result, permissions, needsAdmin };
}

/** Writes the zip to a scratch file with `write`, inspects it, and always removes it. */
async function withScratchZip(deps: ApiDeps, write: (path: string) => Promise<unknown>) {
  const dir = join(deps.workDir, "validate");
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${randomUUID()}.zip`);
  try {
    await write(path);
    try {
      const inspection = await inspectArchive(path, deps.limits.archiveLimits);
      return withPermissions(deps, { valid: true, errors: [], manifest: inspection.manifest });
    } catch (error) {
      if (isAppError(error) && (error.code === "MANIFEST_INVALID" || error.code === "ENTRY_POINT_MISSING")) {
        return { valid: false, errors: error.errors, manifest: null };
      }
      throw error;
    }
  } finally {
    await rm(path, { force: true });
  }
}

async function receiveMultipartZip(deps: ApiDeps, c: Context, path: string): Promise<void> {
  const { file } = await readMultipart(c, {
    maxFileBytes: deps.limits.maxPluginSize,
    receiveFile: ({ stream }) => writeScratchFile(stream, path, deps.limits.maxPluginSize),
    discardFile: () => rm(path, { force: true }),
  });
  if (file === null) throw new AppError("VALIDATION_FAILED", "the multipart body has no file part");
}
