import type { RouteContract } from "@arcade/contracts";
import type { Static, TObject, TSchema } from "@sinclair/typebox";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { requireRole } from "./auth.js";
import { jsonBodyValidator, paramValidator, queryValidator } from "./validators.js";

/** What a handler gets, validated and typed from its route contract. */
export interface RouteInput<R extends RouteContract> {
  params: R["params"] extends TObject ? Static<R["params"]> : Record<string, never>;
  query: R["query"] extends TObject ? Static<R["query"]> : Record<string, never>;
  body: R["body"] extends { json: infer S extends TSchema } ? Static<S> : undefined;
}

export type RouteHandler<R extends RouteContract> = (
  c: Context,
  input: RouteInput<R>,
) => Response | Promise<Response>;

export interface MountOptions {
  /** Authentication of its own, before anything else (the metrics token on /metrics). */
  guard?: MiddlewareHandler[];
  /**
   * Middleware between the query check and the JSON body: a mutation answers a replay, an
   * unknown plugin or a busy one before it reads a body.
   */
  beforeBody?: MiddlewareHandler[];
  /** Byte limit of a JSON body (server.json_body_bytes). */
  jsonBodyBytes: number;
}

/**
 * The router of one resource, mounted once at `prefix`: each route is added from its contract
 * (method, path, role, validators), so nothing here restates a path. Register static paths
 * before parameter paths (`/install` before `/{pluginId}`): the contract lists keep that order.
 */
export class ContractRouter {
  readonly app = new Hono({ strict: false });
  /** Parameter routes added so far, to refuse a static path added after one that would shadow it. */
  private readonly withParams: { method: string; path: string; regex: RegExp }[] = [];

  constructor(
    readonly prefix: string,
    private readonly limits: { jsonBodyBytes: number },
  ) {}

  on<R extends RouteContract>(route: R, handler: RouteHandler<R>, options: Partial<MountOptions> = {}): this {
    if (!route.path.startsWith(this.prefix)) throw new Error(`${route.path} is not under ${this.prefix}`);
    const shadow = this.withParams.find((r) => r.method === route.method && r.regex.test(route.path));
    if (shadow)
      throw new Error(`add ${route.method} ${route.path} before ${shadow.path}, which would take it`);
    if (route.path.includes("{")) {
      const pattern = route.path
        .split(/\{[A-Za-z0-9_]+\}/)
        .map(escapeRegex)
        .join("[^/]+");
      this.withParams.push({ method: route.method, path: route.path, regex: new RegExp(`^${pattern}$`) });
    }
    const chain: MiddlewareHandler[] = [...(options.guard ?? [])];
    if (route.access === "viewer" || route.access === "operator" || route.access === "admin") {
      chain.push(requireRole(route.access));
    }
    if (route.query) chain.push(queryValidator(route.query));
    if (route.params) chain.push(paramValidator());
    chain.push(...(options.beforeBody ?? []));
    if (route.body && "json" in route.body) {
      chain.push(jsonBodyValidator(route.body.json, options.jsonBodyBytes ?? this.limits.jsonBodyBytes));
    }
    const run: MiddlewareHandler = async (c) =>
      handler(c, {
        params: (route.params ? c.req.valid("param" as never) : {}) as RouteInput<R>["params"],
        query: (route.query ? c.req.valid("query" as never) : {}) as RouteInput<R>["query"],
        body: (route.body && "json" in route.body
          ? c.req.valid("json" as never)
          : undefined) as RouteInput<R>["body"],
      });
    this.app.on(
      [route.method],
      [honoPath(route.path.slice(this.prefix.length))],
      ...(chain as [MiddlewareHandler]),
      run,
    );
    return this;
  }
}

/** `/{pluginId}/config` is `/:pluginId/config`; the prefix itself is `/`. */
export function honoPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1") || "/";
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
