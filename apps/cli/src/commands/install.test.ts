import { createHash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "../errors.js";
import { reportError } from "../output/error-report.js";
import { testContext } from "../test-support/capture.js";
import { FakeApi, jobAt, problem, sequence } from "../test-support/fake-api.js";
import { runInstall } from "./install.js";
import { runUpdate } from "./update.js";

let api: FakeApi;
let dir: string;
let zip: string;
const ZIP_BYTES = Buffer.from("PK\u0003\u0004 pretend this is a plugin zip ".repeat(2000));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "arcade-cli-install-"));
  zip = path.join(dir, "notify-demo-1.0.0.zip");
  await writeFile(zip, ZIP_BYTES);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await api?.close();
  api = await FakeApi.start();
});

const succeeded = jobAt(7, {
  state: "succeeded",
  step: "cleanup",
  progress: 100,
  pluginId: "plugin_notify-demo_abc123",
  result: {
    version: "1.0.0",
    checksum: "ab".repeat(32),
    nodes: { expected: 3, applied: ["node-a", "node-b", "node-c"], failed: [], pending: [] },
  },
  finishedAt: "2024-05-01T10:00:02.000Z",
});

function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function acceptJob(status = 202) {
  return () => ({ status, body: jobAt(0, {}, "pending"), headers: { location: "/api/v1/jobs/job-1" } });
}

describe("install", () => {
  it("uploads the zip as a valid multipart form, then follows the job to success", async () => {
    api.on("POST", "/api/v1/plugins/install", acceptJob());
    api.on("GET", "/api/v1/jobs/job-1", sequence([jobAt(1), jobAt(3), jobAt(5), succeeded]));
    const { ctx, stdout } = testContext(api.url);

    const code = await runInstall(ctx, zip, {});

    expect(code).toBe(EXIT.ok);
    const upload = api.requests.find((r) => r.method === "POST")!;
    expect(upload.headers.authorization).toBe("Bearer test-token");
    expect(Number(upload.headers["content-length"])).toBe(upload.bodyBytes);
    expect(upload.headers["transfer-encoding"]).toBeUndefined();
    expect(upload.multipart?.error).toBeUndefined();
    expect(upload.multipart?.fields).toEqual({ source: "local" });
    expect(upload.multipart?.files).toEqual([
      {
        field: "file",
        fileName: "notify-demo-1.0.0.zip",
        mimeType: "application/zip",
        size: ZIP_BYTES.length,
        sha256: createHash("sha256").update(ZIP_BYTES).digest("hex"),
      },
    ]);
    const text = stdout.text();
    // Each step is printed once, in order, as it finishes.
    const finished = text.split("\n").filter((l) => l.startsWith("  ✓ ") && !l.includes("  ✓ fetch  ✓"));
    expect(finished.map((l) => l.trim().split(/\s+/)[1])).toEqual([
      "fetch",
      "verify",
      "inspect",
      "store",
      "persist",
      "activate",
      "cleanup",
    ]);
    expect(text).toContain("✓ fetch  ✓ verify  ✓ inspect  ✓ store  ✓ persist  ✓ activate  ✓ cleanup");
    expect(text).toContain("install plugin_notify-demo_abc123 succeeded");
    expect(text).toContain("nodes     3/3 applied");
  });

  it("sends the signature written by `pack --sign` beside the zip", async () => {
    await writeFile(
      `${zip}.sig.json`,
      JSON.stringify({ keyId: "ed25519-k1", algorithm: "ed25519", signature: "c2ln" }),
    );
    try {
      api.on("POST", "/api/v1/plugins/install", () => ({ status: 200, body: succeeded }));
      const { ctx } = testContext(api.url);
      expect(await runInstall(ctx, zip, {})).toBe(EXIT.ok);
      expect(api.requests[0]?.multipart?.fields).toEqual({
        source: "local",
        signature: "c2ln",
        keyId: "ed25519-k1",
      });
    } finally {
      await rm(`${zip}.sig.json`);
    }
  });

  it("sends a single module with its manifest field", async () => {
    const entry = path.join(dir, "index.mjs");
    const manifest = path.join(dir, "manifest.json");
    await writeFile(entry, "export default { actions: {} };\n");
    await writeFile(manifest, '{"name":"demo","entryPoint":"index.mjs"}');
    api.on("POST", "/api/v1/plugins/install", () => ({ status: 200, body: succeeded }));
    const { ctx } = testContext(api.url);

    expect(await runInstall(ctx, "index.mjs", { manifest: "manifest.json" }).catch(() => -1)).toBe(-1);
    const inDir = testContext(api.url, { cwd: dir });
    expect(await runInstall(inDir.ctx, "index.mjs", { manifest: "manifest.json" })).toBe(EXIT.ok);
    const upload = api.requests.at(-1)!;
    expect(upload.multipart?.fields).toEqual({
      source: "local",
      manifest: '{"name":"demo","entryPoint":"index.mjs"}',
    });
    expect(upload.multipart?.files[0]).toMatchObject({ fileName: "index.mjs", mimeType: "text/javascript" });
  });

  it("refuses a module without --manifest as bad usage (exit 2), before any request", async () => {
    const entry = path.join(dir, "lonely.mjs");
    await writeFile(entry, "export default {};\n");
    const { ctx, stderr } = testContext(api.url);
    const code = await runInstall(ctx, entry, {}).catch((error) => reportError(error, ctx.out));
    expect(code).toBe(EXIT.usage);
    expect(stderr.text()).toMatch(/pass its manifest with --manifest/);
    expect(api.requests).toHaveLength(0);
  });

  it("installs from the market with fields only", async () => {
    api.on("POST", "/api/v1/plugins/install", () => ({ status: 200, body: succeeded }));
    const { ctx } = testContext(api.url);
    expect(await runInstall(ctx, undefined, { market: "slack", version: "2.0.0" })).toBe(EXIT.ok);
    expect(api.requests[0]?.multipart).toEqual({
      fields: { source: "market", marketId: "slack", version: "2.0.0" },
      files: [],
    });
  });

  it("with --no-wait prints the job id and does not poll", async () => {
    api.on("POST", "/api/v1/plugins/install", acceptJob());
    const { ctx, stdout } = testContext(api.url, { wait: false });
    expect(await runInstall(ctx, zip, {})).toBe(EXIT.ok);
    expect(stdout.text()).toContain("arcade-plugins jobs get job-1 --follow");
    expect(api.requests.filter((r) => r.method === "GET")).toHaveLength(0);
  });

  it("update sends allowDowngrade and follows a failing job to exit 1 with its error", async () => {
    api.on("PUT", "/api/v1/plugins/plugin_notify-demo_abc123", acceptJob());
    api.on(
      "GET",
      "/api/v1/jobs/job-1",
      sequence([
        jobAt(2),
        jobAt(
          2,
          {
            state: "failed",
            type: "update",
            error: {
              code: "MANIFEST_INVALID",
              message: "the manifest is invalid",
              errors: [{ path: "/version", message: "must be a semver version" }],
            },
          },
          "failed",
        ),
      ]),
    );
    const { ctx, stderr } = testContext(api.url);
    const code = await runUpdate(ctx, "plugin_notify-demo_abc123", zip, { allowDowngrade: true });
    expect(code).toBe(EXIT.failed);
    expect(api.requests[0]?.multipart?.fields).toEqual({ source: "local", allowDowngrade: "true" });
    expect(stderr.text()).toContain("MANIFEST_INVALID: the manifest is invalid");
    expect(stderr.text()).toContain("/version: must be a semver version");
    expect(stderr.text()).toMatch(/hint: .*arcade-plugins validate/);
  });

  it("update --accept-permissions approves what the new version asks for beyond the installed one", async () => {
    api.on("PUT", "/api/v1/plugins/plugin_notify-demo_abc123", acceptJob());
    api.on(
      "GET",
      "/api/v1/jobs/job-1",
      sequence([jobAt(2, { state: "succeeded", type: "update" }, "succeeded")]),
    );
    const { ctx } = testContext(api.url);
    const code = await runUpdate(ctx, "plugin_notify-demo_abc123", zip, { acceptPermissions: true });
    expect(code).toBe(EXIT.ok);
    expect(api.requests[0]?.multipart?.fields).toEqual({ source: "local", acceptPermissions: "true" });
  });

  it("reports a refused upload's problem (exit 1)", async () => {
    api.on("POST", "/api/v1/plugins/install", () =>
      problem(413, "PAYLOAD_TOO_LARGE", "the plugin is larger than the limit of 10 bytes"),
    );
    const { ctx, stderr } = testContext(api.url);
    const code = await runInstall(ctx, zip, {}).catch((error) => reportError(error, ctx.out));
    expect(code).toBe(EXIT.failed);
    expect(stderr.text()).toContain(
      "error: PAYLOAD_TOO_LARGE (413) the plugin is larger than the limit of 10 bytes",
    );
    expect(stderr.text()).toContain("ARCADE_PLUGIN_MAX_PLUGIN_SIZE");
  });
});

describe("install of a large plugin", () => {
  it("streams a 50 MB file: the server gets every byte, the CLI's memory does not grow by the file size", async () => {
    const big = path.join(dir, "big.zip");
    const size = 50 * 1024 * 1024;
    const hash = createHash("sha256");
    // One reused block, written synchronously: making the file must not itself leave 50 MB of
    // freed buffers in the heap, which a whole-file read would then reuse unnoticed.
    const fd = openSync(big, "w");
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 50; i++) {
      block.fill(i);
      hash.update(block);
      writeSync(fd, block);
    }
    closeSync(fd);
    api.on("POST", "/api/v1/plugins/install", () => ({ status: 200, body: succeeded }));
    const { ctx, stderr } = testContext(api.url);
    ctx.forceProgress = true;

    // Garbage (chunks already sent, on both ends of the socket) is collected only when V8
    // gets round to it, which can be after 50 MB. Collecting every 2 MB received measures
    // what is really held: a CLI that read the file whole would hold all 50 MB meanwhile.
    const gc = exposeGc();
    gc();
    const before = process.memoryUsage().rss;
    let peak = before;
    let nextSample = 0;
    api.onBodyBytes = (received) => {
      if (received < nextSample) return;
      nextSample = received + 2 * 1024 * 1024;
      gc();
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    expect(await runInstall(ctx, big, {})).toBe(EXIT.ok);

    const file = api.requests[0]?.multipart?.files[0];
    expect(file?.size).toBe(size);
    expect(file?.sha256).toBe(hash.digest("hex"));
    const growth = peak - before;
    // Reading the file whole, or letting fetch tee the body (see api-client.ts), holds up to
    // the whole 50 MB; streaming stays at a few MB.
    expect(growth, `rss grew by ${(growth / 1024 / 1024).toFixed(1)} MB`).toBeLessThan(25 * 1024 * 1024);
    // The progress bar was drawn and reached the end.
    expect(stderr.text()).toContain("100%");
    await rm(big);
  }, 60_000);
});
