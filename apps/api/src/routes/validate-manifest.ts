import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError, inspectArchive, isAppError, validateManifest } from "@arcade/core";
import { type Context, Hono } from "hono";
import type { ApiDeps } from "../deps.js";
import { requireRole } from "../http/auth.js";
import { readJsonBody } from "../http/json-body.js";

/**
 * POST /plugins/validate-manifest: a JSON manifest, or a zip (raw
 * application/zip body, or multipart with a `file` part). Answers
 * `{ valid, errors, manifest }` and changes nothing; the zip lives only in a
 * scratch file for the length of the request.
 */
export function validateManifestRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post("/", requireRole("viewer"), async (c) => {
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    if (type.startsWith("application/json") || type.includes("+json")) {
      const body = await readJsonBody(c, deps.limits.jsonBodyBytes);
      if (body === undefined) throw new AppError("VALIDATION_FAILED", "send a manifest as the JSON body");
      return c.json(validateManifest(body));
    }
    if (type.startsWith("application/zip") || type.startsWith("application/octet-stream")) {
      return c.json(
        await validateZip(deps, c, Readable.fromWeb(requireBody(c) as unknown as WebReadableStream)),
      );
    }
    if (type.startsWith("multipart/form-data")) {
      return c.json(await validateMultipartZip(deps, c));
    }
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send application/json (a manifest) or a zip", {
      detail: "Content types: application/json, application/zip, multipart/form-data with a file part.",
    });
  });
  return app;
}

function requireBody(c: Context): ReadableStream {
  const body = c.req.raw.body;
  if (!body) throw new AppError("VALIDATION_FAILED", "the request has no body");
  return body;
}

async function validateZip(deps: ApiDeps, _c: Context, body: Readable) {
  const dir = join(deps.workDir, "validate");
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${randomUUID()}.zip`);
  try {
    let size = 0;
    const limit = deps.limits.maxPluginSize;
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > limit) throw new AppError("PAYLOAD_TOO_LARGE", `the zip is larger than ${limit} bytes`);
          yield chunk;
        }
      },
      createWriteStream(path),
    );
    try {
      const inspection = await inspectArchive(path, deps.limits.archiveLimits);
      return { valid: true, errors: [], manifest: inspection.manifest };
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

async function validateMultipartZip(deps: ApiDeps, c: Context) {
  const { default: busboy } = await import("busboy");
  const contentType = c.req.header("content-type") ?? "";
  return new Promise<unknown>((resolve, reject) => {
    let seen = false;
    let parser: ReturnType<typeof busboy>;
    try {
      parser = busboy({ headers: { "content-type": contentType }, limits: { files: 1, fields: 5 } });
    } catch (error) {
      reject(new AppError("MALFORMED_MULTIPART", `malformed multipart header: ${(error as Error).message}`));
      return;
    }
    parser.on("file", (_name, stream) => {
      if (seen) {
        stream.resume();
        return;
      }
      seen = true;
      validateZip(deps, c, stream).then(resolve, reject);
    });
    parser.on("error", (error: Error) =>
      reject(new AppError("MALFORMED_MULTIPART", `malformed multipart body: ${error.message}`)),
    );
    parser.on("close", () => {
      if (!seen) reject(new AppError("VALIDATION_FAILED", "the multipart body has no file part"));
    });
    Readable.fromWeb(requireBody(c) as unknown as WebReadableStream).pipe(parser);
  });
}
