import { Type } from "@sinclair/typebox";
import { defineRoute } from "./route.js";

/** Probes, metrics and the API's own description: the routes outside the resources. */

export const healthz = defineRoute({
  method: "GET",
  path: "/healthz",
  operationId: "healthz",
  tag: "system",
  summary: "Liveness: the process is up",
  access: "public",
  ok: { status: [200], description: "Up.", json: Type.Object({ status: Type.Literal("ok") }) },
  errors: [],
});

export const readyz = defineRoute({
  method: "GET",
  path: "/readyz",
  operationId: "readyz",
  tag: "system",
  summary: "Readiness: database, Redis and object store answer",
  access: "public",
  ok: {
    status: [200, 503],
    description: "200 ready, 503 unavailable; each check with its error.",
    json: Type.Object({
      status: Type.Union([Type.Literal("ready"), Type.Literal("unavailable")]),
      checks: Type.Record(
        Type.String(),
        Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) }),
      ),
    }),
  },
  errors: [],
});

export const metrics = defineRoute({
  method: "GET",
  path: "/metrics",
  operationId: "metrics",
  tag: "system",
  summary: "Prometheus metrics",
  description: "Any token, including one of the metrics role (the one to give Prometheus).",
  access: "metrics",
  ok: {
    status: [200],
    description: "Text exposition format 0.0.4.",
    content: { "text/plain": Type.String() },
  },
  errors: [401],
});

export const openApiDocument = defineRoute({
  method: "GET",
  path: "/api/v1/openapi.json",
  operationId: "openApiDocument",
  tag: "system",
  summary: "This document (OpenAPI 3.1)",
  description: "No token needed: the routes are public (architecture §4), and the /docs page loads it.",
  access: "public",
  ok: {
    status: [200],
    description: "The OpenAPI document.",
    json: Type.Record(Type.String(), Type.Unknown()),
  },
  errors: [],
});

export const docsPage = defineRoute({
  method: "GET",
  path: "/docs",
  operationId: "docsPage",
  tag: "system",
  summary: "API reference page (Swagger UI, served from this server)",
  access: "public",
  ok: { status: [200], description: "HTML.", content: { "text/html": Type.String() } },
  errors: [],
});

/** The files the reference page loads; nothing comes from another host. */
export const DOCS_ASSETS = ["swagger-ui.css", "swagger-ui-bundle.js", "docs-init.js"] as const;

export const docsAsset = defineRoute({
  method: "GET",
  path: "/docs/{file}",
  operationId: "docsAsset",
  tag: "system",
  summary: "A file of the API reference page",
  access: "public",
  params: Type.Object({ file: Type.Union(DOCS_ASSETS.map((f) => Type.Literal(f))) }),
  ok: {
    status: [200],
    description: "CSS or JavaScript.",
    content: { "text/css": Type.String(), "text/javascript": Type.String() },
  },
  errors: [404],
});

export const SYSTEM_ROUTES = [healthz, readyz, metrics, openApiDocument, docsPage, docsAsset] as const;
