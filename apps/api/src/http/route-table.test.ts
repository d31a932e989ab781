import { describe, expect, it } from "vitest";
import { createStubApp } from "../testing/stub-app.js";
import { allowedMethods, routeTable } from "./route-table.js";

/** The table the route guard answers 404/405 from, derived from the app's own routes. */
describe("allowedMethods over the app's routes", () => {
  const table = routeTable(createStubApp().routes);
  const allowed = (path: string) => allowedMethods(table, path);

  it.each([
    ["/healthz", ["GET", "HEAD"]],
    ["/readyz", ["GET", "HEAD"]],
    ["/metrics", ["GET", "HEAD"]],
    ["/api/v1/plugins", ["GET", "HEAD"]],
    ["/api/v1/plugins/", ["GET", "HEAD"]],
    ["/api/v1/plugins/install", ["POST"]],
    ["/api/v1/plugins/validate-manifest", ["POST"]],
    ["/api/v1/plugins/metrics", ["GET", "HEAD"]],
    ["/api/v1/plugins/plugin_slack_k3x9q2", ["GET", "HEAD", "PUT", "DELETE"]],
    ["/api/v1/plugins/anything-at-all", ["GET", "HEAD", "PUT", "DELETE"]],
    ["/api/v1/plugins/p/enable", ["POST"]],
    ["/api/v1/plugins/p/disable", ["POST"]],
    ["/api/v1/plugins/p/config", ["GET", "HEAD", "PUT"]],
    ["/api/v1/plugins/p/versions", ["GET", "HEAD"]],
    ["/api/v1/plugins/p/rollback", ["POST"]],
    ["/api/v1/plugins/p/actions/send", ["POST"]],
    ["/api/v1/jobs", ["GET", "HEAD"]],
    ["/api/v1/jobs/some-id", ["GET", "HEAD"]],
    ["/api/v1/jobs/some-id/events", ["GET", "HEAD"]],
    ["/api/v1/cluster/nodes", ["GET", "HEAD"]],
    ["/api/v1/openapi.json", ["GET", "HEAD"]],
    ["/docs", ["GET", "HEAD"]],
    ["/docs/swagger-ui.css", ["GET", "HEAD"]],
  ])("%s allows %j", (path, methods) => {
    expect(allowed(path)).toEqual(methods);
  });

  it("a static path wins over the parameter route it also matches", () => {
    // Otherwise GET /plugins/install would be allowed (as GET /plugins/:id).
    expect(allowed("/api/v1/plugins/install")).not.toContain("GET");
    expect(allowed("/api/v1/plugins/validate-manifest")).not.toContain("DELETE");
    expect(allowed("/api/v1/plugins/metrics")).not.toContain("PUT");
  });

  it.each([
    "/",
    "",
    "/api",
    "/api/v1",
    "/api/v1/",
    "/api/v2/plugins",
    "/api/v1/plugin",
    "/api/v1/plugins//enable",
    "/api/v1/plugins/p/actions",
    "/api/v1/plugins/p/actions/a/b",
    "/api/v1/plugins/p/q/r",
    "/api/v1/jobs/a/b",
    "/api/v1/cluster",
    "/healthz/x",
    "/HEALTHZ",
    "//healthz",
    "/api/v1/plugins?x=1",
    "/api/v1/plugins\n",
    "/api/v1/openapi_json",
  ])("%j is unknown (null)", (path) => {
    expect(allowed(path)).toBeNull();
  });

  it("no regex metacharacter in a path can widen a match", () => {
    expect(allowed("/api/v1/plugins/.*")).toEqual(["GET", "HEAD", "PUT", "DELETE"]);
    expect(allowed("/api/v1/plugins/.*/x")).toBeNull();
    expect(allowed("/api/v1/jobs/(a|b)")).toEqual(["GET", "HEAD"]);
  });

  it("a route the process does not serve is not in its table (/metrics without metricsText)", () => {
    const bare = routeTable(createStubApp({ metricsText: undefined }).routes);
    expect(allowedMethods(bare, "/metrics")).toBeNull();
  });
});
