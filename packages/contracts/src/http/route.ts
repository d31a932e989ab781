import type { Static, TObject, TSchema } from "@sinclair/typebox";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** Who may call a route: anyone, a metrics token (or any API token), or a role and those above it. */
export type RouteAccess = "public" | "metrics" | "viewer" | "operator" | "admin";

/** A request body: JSON (read whole, within server.json_body_bytes) or a streamed upload. */
export type RouteBody =
  | { readonly json: TSchema; readonly description?: string }
  /** Documented only: the server streams these bodies and checks their fields as they arrive. */
  | { readonly content: Readonly<Record<string, TSchema>>; readonly description?: string };

/** The success answer: a JSON body, or other media types (text, HTML, event streams, files). */
export interface RouteOk {
  /** The first is the usual answer; a mutation also answers 200 once `?wait` saw the job finish. */
  readonly status: readonly [number, ...number[]];
  readonly description: string;
  readonly json?: TSchema;
  readonly content?: Readonly<Record<string, TSchema>>;
  readonly headers?: Readonly<Record<string, { readonly description: string }>>;
  /**
   * A mutation's answer to `?dryRun=true`: 200 with this JSON body (what the request would do)
   * instead of a job. The OpenAPI document gives the 200 answer both bodies (oneOf).
   */
  readonly dryRun?: { readonly description: string; readonly json: TSchema };
}

/**
 * One route of the HTTP API: the single definition the server mounts and validates with, the
 * OpenAPI document describes, and the CLI's client calls. `path` is the full path in OpenAPI
 * form (`/api/v1/plugins/{pluginId}`).
 */
export interface RouteContract {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly access: RouteAccess;
  readonly params?: TObject;
  readonly query?: TObject;
  readonly body?: RouteBody;
  readonly ok: RouteOk;
  /** Statuses of the problem+json answers this route gives besides the ones every route may give. */
  readonly errors: readonly number[];
}

/** Keeps the literal types of a route (for the typed client) while checking its shape. */
export function defineRoute<const R extends RouteContract>(route: R): R {
  return route;
}

type StaticOf<S> = S extends TSchema ? Static<S> : undefined;

/** The path parameters of a route, as the client passes them. */
export type RouteParams<R extends RouteContract> = StaticOf<R["params"]>;
/** The query parameters of a route, as the client passes them (all optional on the wire). */
export type RouteQuery<R extends RouteContract> = R["query"] extends TObject
  ? Partial<Static<R["query"]>>
  : undefined;
/** The JSON body of a route, when it takes one. */
export type RouteJsonBody<R extends RouteContract> = R["body"] extends { json: infer S }
  ? StaticOf<S>
  : never;
/** The JSON body of a route's success answer. */
export type RouteOkBody<R extends RouteContract> = R["ok"] extends { json: infer S } ? StaticOf<S> : unknown;
/** The JSON body of a route's answer to `?dryRun=true` (a mutation's plan). */
export type RouteDryRunBody<R extends RouteContract> = R["ok"] extends { dryRun: { json: infer S } }
  ? StaticOf<S>
  : never;

/** `/api/v1/plugins/{pluginId}` with `{ pluginId: "p" }` is `/api/v1/plugins/p` (each value URL-encoded). */
export function fillPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(value);
  });
}
