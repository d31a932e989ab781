import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JobResource, JobStep } from "@arcade/contracts";
import { Busboy } from "@fastify/busboy";

/** What the fake saw of one request. File parts are hashed and counted on the way, never kept. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Bytes of the raw body as received. */
  bodyBytes: number;
  json?: unknown;
  multipart?: ParsedMultipart;
  /** sha256 of a raw (non-multipart, non-JSON) body. */
  rawSha256?: string;
}

export interface ParsedMultipart {
  fields: Record<string, string>;
  files: { field: string; fileName: string; mimeType: string; size: number; sha256: string }[];
  error?: string;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  /** Sent as it is instead of `body` as JSON (e.g. an event stream, with its content-type in headers). */
  text?: string;
  headers?: Record<string, string>;
}

export type Handler = (request: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

/**
 * A small HTTP server that answers like the documented API (architecture §4)
 * for the routes a test registers: the platform is an outside system to the
 * CLI, so its tests talk real HTTP to this instead of mocking fetch.
 */
export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  /** Called with the running byte count of each request body as it arrives. */
  onBodyBytes: ((received: number) => void) | undefined;
  private readonly routes: { method: string; path: string | RegExp; handler: Handler }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeApi> {
    let api: FakeApi | undefined;
    const server = createServer((req, res) => {
      void api!.handle(req).then(
        ({ status, body, text, headers }) => {
          const isProblem = status >= 400 && body && typeof body === "object" && "code" in body;
          res.writeHead(status, {
            "content-type": isProblem ? "application/problem+json" : "application/json",
            ...headers,
          });
          res.end(text ?? (body === undefined ? "" : JSON.stringify(body)));
        },
        (error: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String(error));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    api = new FakeApi(server, `http://127.0.0.1:${port}`);
    return api;
  }

  on(method: string, path: string | RegExp, handler: Handler): this {
    this.routes.push({ method, path, handler });
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<FakeResponse> {
    const url = new URL(req.url ?? "/", "http://fake");
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      bodyBytes: 0,
    };
    await readBody(req, recorded, this.onBodyBytes);
    this.requests.push(recorded);
    const route = this.routes.find(
      (r) =>
        r.method === recorded.method &&
        (typeof r.path === "string" ? r.path === recorded.path : r.path.test(recorded.path)),
    );
    if (!route) return problem(404, "NOT_FOUND", `no route for ${recorded.method} ${recorded.path}`);
    return route.handler(recorded);
  }
}

async function readBody(
  req: IncomingMessage,
  recorded: RecordedRequest,
  onBytes: ((received: number) => void) | undefined,
): Promise<void> {
  const type = req.headers["content-type"] ?? "";
  req.on("data", (chunk: Buffer) => {
    recorded.bodyBytes += chunk.length;
    onBytes?.(recorded.bodyBytes);
  });
  if (type.startsWith("multipart/form-data")) {
    recorded.multipart = await parseMultipart(req, type);
    return;
  }
  const hash = createHash("sha256");
  const small: Buffer[] = [];
  for await (const chunk of req) {
    hash.update(chunk as Buffer);
    if (recorded.bodyBytes <= 1024 * 1024) small.push(chunk as Buffer);
  }
  if (recorded.bodyBytes === 0) return;
  if (type.startsWith("application/json")) recorded.json = JSON.parse(Buffer.concat(small).toString("utf8"));
  else recorded.rawSha256 = hash.digest("hex");
}

function parseMultipart(req: IncomingMessage, contentType: string): Promise<ParsedMultipart> {
  const parsed: ParsedMultipart = { fields: {}, files: [] };
  return new Promise((resolve) => {
    const parser = Busboy({ headers: { "content-type": contentType } });
    const pending: Promise<void>[] = [];
    parser.on("field", (name, value) => {
      parsed.fields[name] = value;
    });
    parser.on("file", (field, stream, filename, _encoding, mimeType) => {
      const hash = createHash("sha256");
      let size = 0;
      pending.push(
        new Promise((done) => {
          stream.on("data", (chunk: Buffer) => {
            size += chunk.length;
            hash.update(chunk);
          });
          stream.on("end", () => {
            parsed.files.push({
              field,
              fileName: filename,
              mimeType,
              size,
              sha256: hash.digest("hex"),
            });
            done();
          });
        }),
      );
    });
    parser.on("error", (error: unknown) => {
      parsed.error = (error as Error).message;
      req.resume();
      resolve(parsed);
    });
    parser.on("finish", () => {
      void Promise.all(pending).then(() => resolve(parsed));
    });
    req.pipe(parser);
  });
}

export function problem(
  status: number,
  code: string,
  title: string,
  extra: Record<string, unknown> = {},
): FakeResponse {
  return { status, body: { status, code, title, requestId: "req-test-1", ...extra } };
}

const ALL_STEPS = ["fetch", "verify", "inspect", "store", "persist", "activate", "cleanup"] as const;

/** A job resource with the first `done` artifact steps succeeded and the next one in `current` state. */
export function jobAt(
  done: number,
  overrides: Partial<JobResource> = {},
  current: JobStep["state"] = "running",
): JobResource {
  const steps: JobStep[] = ALL_STEPS.map((name, i) => ({
    name,
    state: i < done ? "succeeded" : i === done ? current : "pending",
    ...(i <= done ? { startedAt: "2024-05-01T10:00:00.000Z" } : {}),
    ...(i < done ? { finishedAt: "2024-05-01T10:00:00.250Z" } : {}),
  }));
  return {
    jobId: "job-1",
    type: "install",
    pluginId: null,
    state: done === 0 && current === "pending" ? "queued" : "running",
    step: ALL_STEPS[Math.min(done, ALL_STEPS.length - 1)] ?? null,
    progress: Math.round((done / ALL_STEPS.length) * 100),
    steps,
    attempts: 1,
    error: null,
    result: null,
    createdAt: "2024-05-01T10:00:00.000Z",
    finishedAt: null,
    requestedBy: "bootstrap",
    ...overrides,
  };
}

/** Answers the given jobs one per request, then keeps answering the last. */
export function sequence(jobs: JobResource[]): Handler {
  let next = 0;
  return () => {
    const job = jobs[Math.min(next, jobs.length - 1)];
    next++;
    return { status: 200, body: job };
  };
}
