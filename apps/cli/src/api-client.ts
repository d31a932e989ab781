import {
  fillPath,
  type RouteContract,
  type RouteJsonBody,
  type RouteOkBody,
  type RouteParams,
  type RouteQuery,
} from "@arcade/contracts";
import { ApiError, ConnectionError, type ProblemInfo } from "./errors.js";

export type Query = Record<string, string | number | boolean | undefined>;

/** A streamed body with its own headers (multipart uploads, raw zips). */
export interface StreamedBody {
  stream: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength: number;
}

/**
 * What a call of `route` takes, typed from its contract (packages/contracts/src/http):
 * its path parameters (required when it has any), its query, and its body: JSON for a route
 * with a JSON body, a streamed body for an upload route.
 */
export type CallInput<R extends RouteContract> = (R["params"] extends object
  ? { params: RouteParams<R> }
  : { params?: undefined }) & {
  query?: RouteQuery<R>;
  headers?: Record<string, string>;
} & JsonPart<R> &
  (R["body"] extends { content: object } ? { body?: StreamedBody } : { body?: undefined });

/** A JSON body: the route's schema, or any document where an upload route also takes JSON. */
type JsonPart<R extends RouteContract> = [RouteJsonBody<R>] extends [never]
  ? R["body"] extends { content: infer C }
    ? "application/json" extends keyof C
      ? { json?: unknown }
      : { json?: undefined }
    : { json?: undefined }
  : { json?: RouteJsonBody<R> };

export interface RequestOptions {
  query?: Query;
  /** Sent as application/json. */
  json?: unknown;
  body?: StreamedBody;
  headers?: Record<string, string>;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiClientOptions {
  /** The platform's root URL, e.g. http://127.0.0.1:8080 (a trailing /api/v1 is accepted too). */
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

/** Network failures that mean "nothing answers there", as opposed to an HTTP error. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/**
 * The API's client: `call(route, input)` with a route contract from @arcade/contracts (the
 * definitions the server mounts and the OpenAPI document describes), typed from it; under it a
 * thin fetch wrapper: bearer auth, JSON in and out, problem+json errors as ApiError. Only the
 * contracts (schemas, no I/O) are imported, never server code.
 */
export class ApiClient {
  /** `<baseUrl>/api/v1`. */
  readonly root: string;
  /** `<baseUrl>`: contract paths are absolute (`/api/v1/plugins/{pluginId}`). */
  readonly origin: string;
  private readonly token: string | undefined;
  private readonly fetchFn: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.origin = options.baseUrl.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
    this.root = `${this.origin}/api/v1`;
    this.token = options.token;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** Calls one route of the contract; answers its success body, typed from the contract. */
  async call<R extends RouteContract>(
    route: R,
    input: NoInfer<CallInput<R>>,
  ): Promise<ApiResponse<RouteOkBody<R>>> {
    const path = fillPath(route.path, (input.params ?? {}) as Record<string, string>);
    return this.send<RouteOkBody<R>>(route.method, `${this.origin}${path}`, {
      ...(input.query ? { query: input.query as Query } : {}),
      ...(input.json !== undefined ? { json: input.json } : {}),
      ...(input.body ? { body: input.body } : {}),
      ...(input.headers ? { headers: input.headers } : {}),
    });
  }

  /** An untyped GET under /api/v1 (the caller names the type): prefer `call` with a route. */
  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.request<T>("GET", path, query ? { query } : {})).body;
  }

  /** An untyped request under /api/v1: prefer `call` with a route. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.send<T>(method, this.root + path, options);
  }

  private async send<T>(method: string, target: string, options: RequestOptions): Promise<ApiResponse<T>> {
    const url = this.url(target, options.query);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const init: RequestInit & { duplex?: "half" } = { method, headers };
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(options.json);
    } else if (options.body) {
      headers["content-type"] = options.body.contentType;
      // A known length lets the server refuse an oversized upload before reading it.
      headers["content-length"] = String(options.body.contentLength);
      init.body = options.body.stream as unknown as RequestInit["body"];
      init.duplex = "half";
      // Any other redirect mode makes fetch clone the request, which tees the body and keeps
      // every chunk sent in memory: the whole upload (nodejs/undici#4058). A streamed body
      // cannot be replayed for a redirect anyway.
      init.redirect = "error";
    }

    let response: Response;
    try {
      response = await this.fetchFn(url, init);
    } catch (error) {
      throw asConnectionError(error, url) ?? error;
    }
    const text = await response.text().catch((error: unknown) => {
      throw asConnectionError(error, url) ?? error;
    });
    if (!response.ok) throw new ApiError(toProblem(response, text), method, url);
    return { status: response.status, headers: response.headers, body: parseJson(text) as T };
  }

  /**
   * Opens a route whose answer is a stream (the job events): the response with its body unread,
   * or ApiError for a problem answer. `signal` aborts the request and the body.
   */
  async open<R extends RouteContract>(
    route: R,
    input: NoInfer<CallInput<R>>,
    options: { accept: string; signal?: AbortSignal },
  ): Promise<Response> {
    const path = fillPath(route.path, (input.params ?? {}) as Record<string, string>);
    const url = this.url(`${this.origin}${path}`, input.query as Query | undefined);
    const headers: Record<string, string> = { accept: options.accept, ...input.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method: route.method,
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      throw asConnectionError(error, url) ?? error;
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      throw new ApiError(toProblem(response, text), route.method, url);
    }
    return response;
  }

  private url(target: string, query?: Query): string {
    const url = new URL(target);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The problem body if the server sent one; otherwise a problem made from the status line. */
function toProblem(response: Response, text: string): ProblemInfo {
  const body = parseJson(text);
  if (body && typeof body === "object" && typeof (body as ProblemInfo).code === "string") {
    const problem = body as ProblemInfo;
    return {
      ...problem,
      status: problem.status ?? response.status,
      title: problem.title ?? response.statusText,
    };
  }
  return {
    status: response.status,
    code: `HTTP_${response.status}`,
    title: response.statusText || `HTTP ${response.status}`,
    ...(typeof body === "string" && body ? { detail: body.slice(0, 500) } : {}),
  };
}

function asConnectionError(error: unknown, url: string): ConnectionError | null {
  let current: unknown = error;
  // fetch wraps the socket error as TypeError("fetch failed") with the real one in .cause.
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && UNREACHABLE.has(code)) {
      return new ConnectionError(url, `${code} (${(current as Error).message})`, { cause: error });
    }
    const nested = (current as { errors?: unknown[] }).errors?.[0];
    current = (current as { cause?: unknown }).cause ?? nested;
  }
  const cause = (error as { cause?: { message?: unknown } }).cause;
  const reason = typeof cause?.message === "string" ? cause.message : "fetch failed";
  if (error instanceof TypeError && error.message === "fetch failed" && !/redirect/i.test(reason)) {
    return new ConnectionError(url, reason, { cause: error });
  }
  return null;
}
