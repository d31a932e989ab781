import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  MarketCatalogPageSchema,
  MarketPluginDetailSchema,
  MarketProblemSchema,
  MarketVersionSchema,
} from "@arcade/contracts";
import { createAjv } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMarketApp } from "./market-app.js";
import { MarketCatalog } from "./market-catalog.js";
import { generateSigner } from "./signing-key.js";
import { writePluginZip } from "./testing/plugin-zips.js";

describe("reference market app", () => {
  let dir: string;
  let catalog: MarketCatalog;
  const signer = generateSigner();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "arcade-market-app-"));
    await writePluginZip(dir, { name: "creme_brulee", version: "1.0.0" });
    const stale = await writePluginZip(dir, { name: "stale", version: "1.0.0" });
    await writeFile(
      `${stale}.sig.json`,
      JSON.stringify({ keyId: "k", algorithm: "ed25519", sha256: "0".repeat(64), signature: "AA==" }),
    );
    await writeFile(join(dir, "broken.zip"), "not a zip");
    catalog = new MarketCatalog(dir, signer);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("publishes valid zips under the slug of their name, and leaves out what it cannot vouch for", async () => {
    const report = await catalog.rescan();
    expect(report.versions).toBe(1);
    expect(report.skipped.map((s) => s.file.split("/").pop())).toEqual(["broken.zip", "stale-1.0.0.zip"]);
    expect(report.skipped[1]?.reason).toContain("signs another artifact");
    expect(catalog.plugins().map((p) => p.marketId)).toEqual(["creme-brulee"]);
    expect(catalog.findVersion("creme-brulee", "1.0.0")?.keyId).toBe(signer.keyId);
  });

  it("answers the documented routes and problem+json errors", async () => {
    const app = createMarketApp({ catalog, publicUrl: "https://cdn.example/market/" });
    const detail = await app.request("/v1/plugins/creme-brulee");
    expect(detail.status).toBe(200);
    const body = (await detail.json()) as { versions: { downloadUrl: string }[] };
    expect(body.versions[0]?.downloadUrl).toBe(
      "https://cdn.example/market/v1/plugins/creme-brulee/versions/1.0.0/download",
    );
    const one = await app.request("/v1/plugins/creme-brulee/versions/1.0.0");
    expect(((await one.json()) as { version: string }).version).toBe("1.0.0");
    for (const [path, status] of [
      ["/v1/plugins/nope", 404],
      ["/v1/plugins/creme-brulee/versions/9.9.9", 404],
      ["/v1/plugins/creme-brulee/versions/9.9.9/download", 404],
      ["/v1/plugins?pageSize=1000", 400],
      ["/v1/plugins?page=0", 400],
      ["/elsewhere", 404],
    ] as const) {
      const res = await app.request(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await app.request("/healthz")).status).toBe(200);
  });

  it("answers in the wire schemas of @arcade/contracts, every field present (nothing left to default)", async () => {
    // No defaults filled in here, unlike the platform's client: the reference market sends it all.
    const ajv = createAjv();
    const app = createMarketApp({ catalog });
    for (const [path, schema] of [
      ["/v1/plugins", MarketCatalogPageSchema],
      ["/v1/plugins?q=creme&pageSize=5", MarketCatalogPageSchema],
      ["/v1/plugins/creme-brulee", MarketPluginDetailSchema],
      ["/v1/plugins/creme-brulee/versions/1.0.0", MarketVersionSchema],
      ["/v1/plugins/nope", MarketProblemSchema],
      ["/v1/plugins?page=0", MarketProblemSchema],
    ] as const) {
      const check = ajv.compile(schema);
      const body: unknown = await (await app.request(path)).json();
      expect(check(body), `${path}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
  });

  it("asks for the bearer token when it has one, except on /healthz", async () => {
    const app = createMarketApp({ catalog, token: "market-secret" });
    expect((await app.request("/v1/plugins")).status).toBe(401);
    expect((await app.request("/v1/plugins", { headers: { authorization: "Bearer wrong" } })).status).toBe(
      401,
    );
    const ok = await app.request("/v1/plugins", { headers: { authorization: "Bearer market-secret" } });
    expect(ok.status).toBe(200);
    expect((await app.request("/healthz")).status).toBe(200);
  });
});
