import type { JobResource, Problem } from "@arcade/contracts";
import { expect } from "vitest";
import { buildPluginZip, type JsonResponse, type Platform } from "../../harness/index.js";
import { API, artifactKey } from "./probes.js";

const MiB = 1024 * 1024;

/** A plugin zip big enough (random, stored padding) that its install takes a moment. */
export function bigPlugin(name: string, paddingMiB = 4): Promise<Buffer> {
  return buildPluginZip({ name, paddingBytes: paddingMiB * MiB });
}

/** Installs and expects 202; returns the job id. */
export async function accept(p: Platform, zip: Uint8Array): Promise<string> {
  const res = await p.installZip(zip);
  expect(res.status, res.text).toBe(202);
  return res.body.jobId;
}

/** A problem+json answer with this status and code. */
export function expectProblem(res: JsonResponse<unknown>, status: number, code: string): void {
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expect(res.headers.get("content-type") ?? "").toMatch(/^application\/problem\+json/);
  expect((res.body as Problem).code).toBe(code);
}

/**
 * A request bounded by `timeoutMs`: an answer that takes longer counts as a hang and fails the
 * test (the API must answer 503 quickly while a dependency is gone, not hold the client).
 */
export async function bounded<T>(
  what: string,
  request: (signal: AbortSignal) => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await request(signal);
  } catch (error) {
    if (signal.aborted) throw new Error(`${what} did not answer within ${timeoutMs} ms (a hang)`);
    throw error;
  }
}

/** GET /jobs/:id through the API, bounded. */
export async function getJob(
  p: Platform,
  jobId: string,
  signal?: AbortSignal,
): Promise<JsonResponse<JobResource>> {
  const res = await p.request(`${API}/jobs/${jobId}`, signal ? { signal } : {});
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body: body as JobResource, text };
}

/** multipart install with an abort signal (installZip has its own long timeout). */
export async function installWithSignal(
  p: Platform,
  zip: Uint8Array,
  signal: AbortSignal,
  apiIndex = 0,
): Promise<JsonResponse<JobResource>> {
  const form = new FormData();
  form.set("source", "local");
  form.set("file", new Blob([new Uint8Array(zip)], { type: "application/zip" }), "plugin.zip");
  const res = await p.request(`${API}/plugins/install`, { method: "POST", body: form, signal }, apiIndex);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body: body as JobResource, text };
}

/**
 * The store holds exactly the artifacts of these installed plugins (one current version each)
 * and nothing else: no staged uploads, no objects of failed installs.
 */
export async function expectStoreHolds(
  p: Platform,
  installed: { pluginId: string; version: string }[],
): Promise<void> {
  const want = installed.map((x) => artifactKey(x.pluginId, x.version)).sort();
  expect(await p.listObjects("plugins/")).toEqual(want);
  expect(await p.listObjects("staging/")).toEqual([]);
}
