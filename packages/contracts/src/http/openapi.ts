import type { TSchema } from "@sinclair/typebox";
import { CLUSTER_ROUTES } from "./cluster.js";
import { COMMON_ERRORS, ProblemSchema } from "./common.js";
import { JOB_ROUTES } from "./jobs.js";
import { PLUGIN_ROUTES } from "./plugins.js";
import type { RouteContract } from "./route.js";
import { SYSTEM_ROUTES } from "./system.js";

/** Every route of the HTTP API, one list: the server mounts these, the document describes them. */
export const API_ROUTES: readonly RouteContract[] = [
  ...SYSTEM_ROUTES,
  ...PLUGIN_ROUTES,
  ...JOB_ROUTES,
  ...CLUSTER_ROUTES,
];

type Json = Record<string, unknown>;

const PROBLEM_TEXT: Record<number, string> = {
  400: "Bad request: VALIDATION_FAILED (with field errors), MALFORMED_JSON, MALFORMED_MULTIPART, BAD_REQUEST.",
  401: "No token, or a wrong one (UNAUTHORIZED).",
  403: "The token's role is too low (FORBIDDEN).",
  404: "Not found (the code names what).",
  408: "The body did not arrive in time (REQUEST_TIMEOUT).",
  409: "A conflict, e.g. OPERATION_IN_PROGRESS with inFlightJobId.",
  413: "The body is too large (PAYLOAD_TOO_LARGE).",
  415: "A content type this route does not take (UNSUPPORTED_MEDIA_TYPE).",
  422: "The artifact, manifest, config or params do not pass their checks.",
  429: "Over the rate limit (RATE_LIMITED, with Retry-After).",
  502: "The plugin failed (ACTION_FAILED).",
  503: "A service the API needs is down (with Retry-After).",
  504: "The action did not finish in time (ACTION_TIMEOUT).",
};

/**
 * The OpenAPI 3.1 document of the API, built from the route contracts. Schemas that carry an
 * `$id` become components, referenced where they are used.
 */
export function buildOpenApiDocument(info: { version: string }): Json {
  const components: Record<string, Json> = {};
  const toSchema = (schema: TSchema): Json =>
    extractComponents(JSON.parse(JSON.stringify(schema)), components, true);
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of API_ROUTES) {
    paths[route.path] ??= {};
    const item = paths[route.path] as Record<string, Json>;
    item[route.method.toLowerCase()] = operation(route, toSchema);
  }
  toSchema(ProblemSchema);
  return {
    openapi: "3.1.0",
    info: {
      title: "Arcade plugin platform API",
      version: info.version,
      description:
        "Errors are `application/problem+json` with a machine-readable `code`. Mutations are jobs: 202 with a Location header. Routes that need a token say which role (viewer < operator < admin).",
    },
    tags: [
      { name: "plugins", description: "Install, update, configure and run plugins." },
      { name: "jobs", description: "Every mutation is a job." },
      { name: "cluster", description: "The nodes that run plugins." },
      { name: "system", description: "Probes, metrics and this description." },
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
  };
}

function operation(route: RouteContract, toSchema: (s: TSchema) => Json): Json {
  const op: Json = {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
  };
  const access =
    route.access === "public"
      ? "No token needed."
      : route.access === "metrics"
        ? "Any token, including the metrics role."
        : `Needs the ${route.access} role or higher.`;
  op.description = [route.description, access].filter(Boolean).join("\n\n");
  if (route.access !== "public") {
    op.security = [{ bearer: [] }];
    op["x-required-role"] = route.access;
  }
  const parameters: Json[] = [];
  for (const [name, schema] of Object.entries(route.params?.properties ?? {})) {
    parameters.push({ name, in: "path", required: true, schema: toSchema(schema) });
  }
  for (const [name, schema] of Object.entries(route.query?.properties ?? {})) {
    const { description, ...rest } = toSchema(schema);
    parameters.push({
      name,
      in: "query",
      required: false,
      ...(description ? { description } : {}),
      schema: rest,
    });
  }
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body) {
    const content =
      "json" in route.body
        ? { "application/json": route.body.json }
        : (route.body.content as Record<string, TSchema>);
    op.requestBody = {
      required: false,
      content: Object.fromEntries(
        Object.entries(content).map(([type, schema]) => [type, { schema: toSchema(schema) }]),
      ),
    };
  }
  const responses: Record<string, Json> = {};
  const okContent = route.ok.json ? { "application/json": route.ok.json } : (route.ok.content ?? {});
  const dryRun = route.ok.dryRun;
  for (const status of route.ok.status) {
    // With ?dryRun=true a mutation answers 200 with its plan instead of the job.
    const withPlan = dryRun !== undefined && status === 200;
    responses[String(status)] = {
      description: withPlan ? `${route.ok.description} ${dryRun.description}` : route.ok.description,
      content: Object.fromEntries(
        Object.entries(okContent).map(([type, schema]) => [
          type,
          {
            schema:
              withPlan && type === "application/json"
                ? { oneOf: [toSchema(schema as TSchema), toSchema(dryRun.json)] }
                : toSchema(schema as TSchema),
          },
        ]),
      ),
      ...(route.ok.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(route.ok.headers).map(([name, h]) => [
                name,
                { description: h.description, schema: { type: "string" } },
              ]),
            ),
          }
        : {}),
    };
  }
  const errors = new Set<number>(route.errors);
  if (route.path.startsWith("/api/")) {
    for (const status of COMMON_ERRORS) if (route.access !== "public" || status >= 429) errors.add(status);
  }
  if (route.access === "metrics") errors.add(403);
  for (const status of [...errors].sort()) {
    responses[String(status)] = {
      description: PROBLEM_TEXT[status] ?? "An error.",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
  }
  op.responses = responses;
  return op;
}

/** Moves every sub-schema with an `$id` into `components` and puts a `$ref` in its place. */
function extractComponents(node: unknown, components: Record<string, Json>, top: boolean): Json {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== "object") return value;
    const { $id, ...rest } = value as Json;
    const body = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, walk(v)]));
    if (typeof $id !== "string") return body;
    components[$id] ??= body;
    return { $ref: `#/components/schemas/${$id}` };
  };
  void top;
  return walk(node) as Json;
}
