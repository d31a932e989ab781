import { openAsBlob } from "node:fs";
import { basename } from "node:path";
import type { JobResource } from "@arcade/contracts";

/** A parsed answer: `body` is the JSON (null when the answer is not JSON), `text` the raw body. */
export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export type Fetcher = (path: string, init?: RequestInit) => Promise<Response>;

const REQUEST_TIMEOUT_MS = 120_000;

/** fetch against `baseUrl` with the bearer token (unless init sets Authorization), bounded in time. */
export function authedFetch(baseUrl: () => string, token: string): Fetcher {
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    return fetch(new URL(path, baseUrl()), {
      ...init,
      headers,
      signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  };
}

export async function toJson<T>(response: Response): Promise<JsonResponse<T>> {
  const text = await response.text();
  let body: unknown = null;
  if (text !== "" && /json/i.test(response.headers.get("content-type") ?? "")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

/** Sends a JSON body (or none) and parses the answer. */
export async function sendJson<T>(
  fetcher: Fetcher,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<JsonResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  return toJson<T>(await fetcher(path, init));
}

export interface UploadOptions {
  /** Name of the file part; default: the path's name, or "plugin.zip" for bytes. */
  fileName?: string;
  /** Extra form fields (source defaults to "local"). */
  fields?: Record<string, string>;
  /** Extra headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
  /** Adds ?wait=N: the API answers once the job finished (or after N seconds). */
  waitSeconds?: number;
}

/** multipart/form-data upload of a plugin (install or update), as curl -F would send it. */
export async function uploadPlugin(
  fetcher: Fetcher,
  method: "POST" | "PUT",
  path: string,
  zip: string | Uint8Array,
  options: UploadOptions = {},
): Promise<JsonResponse<JobResource>> {
  // A path is streamed from disk (openAsBlob), as curl -F reads it; bytes are sent as given.
  const file =
    typeof zip === "string"
      ? await openAsBlob(zip, { type: "application/zip" })
      : new Blob([new Uint8Array(zip)], { type: "application/zip" });
  const fileName = options.fileName ?? (typeof zip === "string" ? basename(zip) : "plugin.zip");
  const form = new FormData();
  for (const [name, value] of Object.entries({ source: "local", ...options.fields })) form.set(name, value);
  form.set("file", file, fileName);
  const url = options.waitSeconds ? `${path}?wait=${options.waitSeconds}` : path;
  const response = await fetcher(url, { method, body: form, headers: options.headers ?? {} });
  return toJson<JobResource>(response);
}

export function isFinished(job: Pick<JobResource, "state">): boolean {
  return job.state === "succeeded" || job.state === "failed";
}

/** Polls GET /api/v1/jobs/:id until the job has finished; throws, with the last state seen, at the bound. */
export async function pollJob(fetcher: Fetcher, jobId: string, timeoutMs: number): Promise<JobResource> {
  const deadline = Date.now() + timeoutMs;
  let last: JsonResponse<JobResource> | null = null;
  for (;;) {
    last = await toJson<JobResource>(await fetcher(`/api/v1/jobs/${encodeURIComponent(jobId)}`));
    if (last.status === 200 && isFinished(last.body)) return last.body;
    if (last.status !== 200 && last.status !== 429 && last.status !== 503) {
      throw new Error(`GET /api/v1/jobs/${jobId} answered ${last.status}: ${last.text.slice(0, 500)}`);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `job ${jobId} did not finish within ${timeoutMs} ms; last seen: ${last.text.slice(0, 1000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
