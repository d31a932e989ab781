/**
 * The baselines of "accept" and "invoke over HTTP": a bare Hono app on @hono/node-server, in its
 * own process like the API, with none of the platform's work:
 *   POST /upload  streams the multipart file part (busboy) into the same object store, 202;
 *   POST /echo    parses the JSON body and answers it back, 200;
 *   GET  /healthz 200.
 * Env: BENCH_PORT, BENCH_S3_ENDPOINT, BENCH_S3_BUCKET, BENCH_S3_PREFIX.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { S3ObjectStore } from "@arcade/storage";
import { Busboy } from "@fastify/busboy";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const MAX_BYTES = 512 * 1024 * 1024;

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const store = new S3ObjectStore({
  endpoint: env("BENCH_S3_ENDPOINT"),
  region: "us-east-1",
  bucket: env("BENCH_S3_BUCKET"),
  accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER",
  forcePathStyle: true,
  keyPrefix: env("BENCH_S3_PREFIX"),
});

/** Streams the one file part into the store; resolves with what was stored. */
function storeUpload(contentType: string, body: Readable, key: string) {
  return new Promise<{ size: number; sha256: string }>((resolve, reject) => {
    const parser = Busboy({ headers: { "content-type": contentType }, limits: { files: 1 } });
    let stored: Promise<{ size: number; sha256: string }> | null = null;
    parser.on("file", (_name, stream) => {
      stored = store.put(key, stream, { maxBytes: MAX_BYTES, contentType: "application/octet-stream" });
      stored.catch(() => stream.resume());
    });
    parser.on("error", reject);
    parser.on("finish", () => {
      if (!stored) reject(new Error("no file part"));
      else stored.then(resolve, reject);
    });
    body.on("error", reject);
    body.pipe(parser);
  });
}

const app = new Hono();
app.get("/healthz", (c) => c.text("ok"));
app.post("/upload", async (c) => {
  const raw = c.req.raw.body;
  if (!raw) return c.json({ error: "no body" }, 400);
  const key = `staging/${randomBytes(8).toString("hex")}`;
  const stored = await storeUpload(
    c.req.header("content-type") ?? "",
    Readable.fromWeb(raw as unknown as WebReadableStream),
    key,
  );
  return c.json({ key, ...stored }, 202);
});
app.post("/echo", async (c) => {
  const body = (await c.req.json()) as { params?: unknown };
  return c.json({ result: { delivered: true, params: body.params ?? null }, node: "bare" });
});

const port = Number(env("BENCH_PORT"));
serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => {
  console.log(JSON.stringify({ msg: "bare server ready", port }));
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
