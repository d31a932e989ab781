import { getPlugin, loadedPlugins } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { ContractRouter } from "./contract-router.js";

describe("ContractRouter", () => {
  const ok = () => new Response("ok");

  it("refuses a static path added after a parameter path that would take it", () => {
    const router = new ContractRouter("/api/v1/plugins", { jsonBodyBytes: 1024 }).on(getPlugin, ok);
    expect(() => router.on(loadedPlugins, ok)).toThrow(/before \/api\/v1\/plugins\/\{pluginId\}/);
  });

  it("takes them static first", () => {
    const router = new ContractRouter("/api/v1/plugins", { jsonBodyBytes: 1024 })
      .on(loadedPlugins, ok)
      .on(getPlugin, ok);
    const order = [...new Set(router.app.routes.map((r) => `${r.method} ${r.path}`))];
    expect(order).toEqual(["GET /metrics", "GET /:pluginId"]);
  });

  it("refuses a route outside its prefix", () => {
    expect(() => new ContractRouter("/api/v1/jobs", { jsonBodyBytes: 1024 }).on(getPlugin, ok)).toThrow(
      /not under/,
    );
  });
});
