import type { Hono } from "hono";
import { expect } from "vitest";
import type { Role } from "../http/context.js";
import { bearer } from "./test-tokens.js";

export const BASE = "http://localhost";

export interface CallOptions {
  method?: string;
  role?: Role | null;
  headers?: Record<string, string>;
  body?: RequestInit["body"];
  json?: unknown;
}

/** One request through app.request(), as `role` (null: no token). */
export async function call(app: Hono, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    ...(options.role === null ? {} : bearer(options.role ?? "admin")),
    ...(options.json !== undefined ? { "content-type": "application/json" } : {}),
    ...options.headers,
  };
  const init: RequestInit & { duplex?: "half" } = { method: options.method ?? "GET", headers };
  if (options.json !== undefined) init.body = JSON.stringify(options.json);
  else if (options.body !== undefined) init.body = options.body;
  if (init.body instanceof ReadableStream) init.duplex = "half";
  return app.request(`${BASE}${path}`, init);
}

export interface ProblemJson {
  status: number;
  code: string;
  title: string;
  detail?: string;
  requestId: string;
  errors?: { path: string; message: string }[];
  [key: string]: unknown;
}

/** Asserts an RFC 9457 problem body with our members, and returns it. */
export async function expectProblem(res: Response, status: number, code?: string): Promise<ProblemJson> {
  const text = await res.text();
  expect(res.status, `status of ${text.slice(0, 300)}`).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as ProblemJson;
  expect(body.status).toBe(status);
  expect(typeof body.code).toBe("string");
  expect(body.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  expect(typeof body.title).toBe("string");
  expect(body.title.length).toBeGreaterThan(0);
  expect(typeof body.requestId).toBe("string");
  expect(body.requestId.length).toBeGreaterThan(0);
  if (code) expect(body.code).toBe(code);
  return body;
}

export async function expectJson<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, `status of ${text.slice(0, 300)}`).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(text) as T;
}
