import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "../errors.js";
import { reportError } from "../output/error-report.js";
import { testContext } from "../test-support/capture.js";
import { FakeApi, jobAt } from "../test-support/fake-api.js";
import { runUpdate } from "./update.js";

const ID = "plugin_notify-stdout_abc123";
let api: FakeApi;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "arcade-cli-update-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await api?.close();
  api = await FakeApi.start();
});

const updated = (result: Record<string, unknown>) =>
  jobAt(7, {
    type: "update",
    state: "succeeded",
    pluginId: ID,
    result,
    finishedAt: "2024-05-01T10:00:02.000Z",
  });

describe("update", () => {
  it("--market sends the market fields on PUT and prints who signed the new version", async () => {
    api.on("PUT", `/api/v1/plugins/${ID}`, () => ({
      status: 200,
      body: updated({ version: "1.1.0", signedBy: "ed25519-acme" }),
    }));
    const { ctx, stdout } = testContext(api.url);
    expect(await runUpdate(ctx, ID, undefined, { market: "notify-stdout", version: "1.1.0" })).toBe(EXIT.ok);
    expect(api.requests[0]?.multipart).toEqual({
      fields: { source: "market", marketId: "notify-stdout", version: "1.1.0" },
      files: [],
    });
    expect(stdout.text()).toContain("signed by ed25519-acme");
  });

  it("refuses a file together with --market, and --version without --market (exit 2, nothing sent)", async () => {
    const zip = path.join(dir, "x.zip");
    await writeFile(zip, "PK");
    for (const [file, flags] of [
      [zip, { market: "notify-stdout" }],
      [zip, { version: "1.1.0" }],
      [undefined, {}],
    ] as const) {
      const { ctx } = testContext(api.url);
      const code = await runUpdate(ctx, ID, file, flags).catch((error) => reportError(error, ctx.out));
      expect(code).toBe(EXIT.usage);
    }
    expect(api.requests).toHaveLength(0);
  });

  it("an update to what is installed says it is already at that version (exit 0)", async () => {
    const zip = path.join(dir, "notify-stdout-1.0.0.zip");
    await writeFile(zip, Buffer.alloc(2458, 7));
    api.on("PUT", `/api/v1/plugins/${ID}`, () => ({
      status: 200,
      body: updated({ version: "1.0.0", checksum: "ab".repeat(32), changed: false }),
    }));
    const { ctx, stdout } = testContext(api.url);
    expect(await runUpdate(ctx, ID, zip, {})).toBe(EXIT.ok);
    expect(stdout.text()).toContain(`✓ update ${ID}: already at 1.0.0`);
    // The size of the file, not of the multipart body around it.
    expect(stdout.text()).toContain("uploaded notify-stdout-1.0.0.zip (2.4 KiB)");
    expect(api.requests[0]?.bodyBytes).toBeGreaterThan(2458 + 100);
  });
});
