import { AppError } from "@arcade/core";
import { afterEach, describe, expect, it } from "vitest";
import { NOTIFY_ENTRY, NOTIFY_MANIFEST, type TempPlugin, tempPlugin } from "../test-support/plugin-folder.js";
import { createHarness } from "./create-harness.js";

const made: TempPlugin[] = [];
async function folder(files: Record<string, string | object>): Promise<TempPlugin> {
  const p = await tempPlugin(files);
  made.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((p) => p.remove()));
});

async function failure(work: Promise<unknown>): Promise<AppError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("createHarness", () => {
  it("loads a folder, merges defaultConfig with config, runs init with a capturing logger", async () => {
    const p = await folder({
      "manifest.json": {
        ...NOTIFY_MANIFEST,
        configSchema: { type: "object", properties: { prefix: { type: "string" }, n: { type: "integer" } } },
        defaultConfig: { prefix: "[d]", n: 1 },
      },
      "index.mjs": NOTIFY_ENTRY,
    });
    const h = await createHarness({ dir: p.dir, config: { n: 2 }, pluginId: "plugin_tmp_abc123" });
    expect(h.config).toEqual({ prefix: "[d]", n: 2 });
    expect(h.pluginId).toBe("plugin_tmp_abc123");
    expect(h.logs).toEqual([{ level: "info", message: "up", fields: { v: "1.0.0" } }]);
    expect(await h.invoke("send", { message: "hi" })).toEqual({ got: { message: "hi" }, prefix: "[d]" });
    await h.close();
  });

  it("calls cleanup once on close and refuses calls afterwards", async () => {
    const p = await folder({ "manifest.json": NOTIFY_MANIFEST, "index.mjs": NOTIFY_ENTRY });
    const g = globalThis as { __tmpNotifyCleanups?: number };
    const before = g.__tmpNotifyCleanups ?? 0;
    const h = await createHarness({ dir: p.dir });
    await h.close();
    await h.close();
    expect(g.__tmpNotifyCleanups).toBe(before + 1);
    expect((await failure(h.invoke("send", {}))).code).toBe("PLUGIN_NOT_LOADED");
  });

  it("rejects a config that violates configSchema, naming each field", async () => {
    const p = await folder({
      "manifest.json": {
        ...NOTIFY_MANIFEST,
        configSchema: {
          type: "object",
          properties: { prefix: { type: "string" }, port: { type: "integer" } },
          required: ["port"],
        },
      },
      "index.mjs": NOTIFY_ENTRY,
    });
    const error = await failure(createHarness({ dir: p.dir, config: { prefix: 5 } }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.errors.map((e) => e.path).sort()).toEqual(["/port", "/prefix"]);
    expect(error.message).toContain("/prefix");
    expect(error.message).toContain("/port");
  });

  it("validates params against a single paramsSchema for every action", async () => {
    const p = await folder({
      "manifest.json": {
        ...NOTIFY_MANIFEST,
        paramsSchema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
      },
      "index.mjs": NOTIFY_ENTRY,
    });
    const h = await createHarness({ dir: p.dir });
    const error = await failure(h.invoke("sendTemplate", { message: 1 }));
    expect(error.code).toBe("PARAMS_INVALID");
    expect(error.errors).toEqual([{ path: "/params/message", message: expect.any(String) }]);
    expect(error.message).toContain("/params/message");
  });

  it("validates params per action with { actions: { name: schema } } and leaves other actions alone", async () => {
    const p = await folder({
      "manifest.json": {
        ...NOTIFY_MANIFEST,
        paramsSchema: {
          actions: {
            send: {
              type: "object",
              properties: { message: { type: "string" }, level: { enum: ["info", "warn"] } },
              required: ["message"],
              additionalProperties: false,
            },
          },
        },
      },
      "index.mjs": NOTIFY_ENTRY,
    });
    const h = await createHarness({ dir: p.dir });
    const error = await failure(h.invoke("send", { level: "loud", extra: true }));
    expect(error.code).toBe("PARAMS_INVALID");
    expect(error.errors.map((e) => e.path).sort()).toEqual([
      "/params/extra",
      "/params/level",
      "/params/message",
    ]);
    expect(await h.invoke("sendTemplate", { anything: 1 })).toEqual({});
  });

  it("names the missing required actions of the pluginType", async () => {
    const p = await folder({
      "manifest.json": NOTIFY_MANIFEST,
      "index.mjs": "export default { actions: { send: async () => ({}) } };",
    });
    const error = await failure(createHarness({ dir: p.dir }));
    expect(error.code).toBe("PLUGIN_LOAD_FAILED");
    expect(error.errors).toEqual([
      { path: "/actions/sendTemplate", message: expect.stringContaining("notify") },
    ]);
  });

  it("refuses a module without a default export object", async () => {
    const p = await folder({ "manifest.json": NOTIFY_MANIFEST, "index.mjs": "export const actions = {};" });
    const error = await failure(createHarness({ dir: p.dir }));
    expect(error.code).toBe("PLUGIN_LOAD_FAILED");
    expect(error.message).toContain("export default");
  });

  it("refuses a definition whose pluginType differs from the manifest", async () => {
    const p = await folder({
      "manifest.json": NOTIFY_MANIFEST,
      "index.mjs":
        'export default { pluginType: "custom", actions: { send() {}, sendTemplate() {}, execute() {} } };',
    });
    const error = await failure(createHarness({ dir: p.dir }));
    expect(error.errors).toEqual([{ path: "/pluginType", message: expect.stringContaining('"notify"') }]);
  });

  it("reports a manifest problem, a missing entry and an entry that does not import", async () => {
    const bad = await folder({
      "manifest.json": { ...NOTIFY_MANIFEST, version: "one" },
      "index.mjs": NOTIFY_ENTRY,
    });
    const invalid = await failure(createHarness({ dir: bad.dir }));
    expect(invalid.code).toBe("MANIFEST_INVALID");
    expect(invalid.errors.map((e) => e.path)).toContain("/version");

    const noEntry = await folder({ "manifest.json": NOTIFY_MANIFEST });
    expect((await failure(createHarness({ dir: noEntry.dir }))).code).toBe("ENTRY_POINT_MISSING");

    const none = await folder({});
    expect((await failure(createHarness({ dir: none.dir }))).code).toBe("MANIFEST_MISSING");

    const broken = await folder({ "manifest.json": NOTIFY_MANIFEST, "index.mjs": "export default {{;" });
    expect((await failure(createHarness({ dir: broken.dir }))).code).toBe("PLUGIN_LOAD_FAILED");
  });

  it("wraps an init that throws, and gives up on an init that never settles", async () => {
    const throwing = await folder({
      "manifest.json": NOTIFY_MANIFEST,
      "index.mjs":
        'export default { init() { throw new Error("no token"); }, actions: { send() {}, sendTemplate() {} } };',
    });
    const thrown = await failure(createHarness({ dir: throwing.dir }));
    expect(thrown.code).toBe("PLUGIN_LOAD_FAILED");
    expect(thrown.message).toContain("no token");

    const hanging = await folder({
      "manifest.json": NOTIFY_MANIFEST,
      "index.mjs":
        "export default { init: () => new Promise(() => {}), actions: { send() {}, sendTemplate() {} } };",
    });
    const hung = await failure(createHarness({ dir: hanging.dir, initTimeoutMs: 50 }));
    expect(hung.code).toBe("PLUGIN_LOAD_FAILED");
    expect(hung.message).toContain("did not finish");
  });

  it("answers ACTION_NOT_FOUND with the actions there are, and ACTION_TIMEOUT when asked to", async () => {
    const p = await folder({
      "manifest.json": NOTIFY_MANIFEST,
      "index.mjs":
        "export default { actions: { send: () => new Promise(() => {}), sendTemplate() { return 1; } } };",
    });
    const h = await createHarness({ dir: p.dir });
    const missing = await failure(h.invoke("toString"));
    expect(missing.code).toBe("ACTION_NOT_FOUND");
    expect(missing.message).toContain("send, sendTemplate");
    expect((await failure(h.invoke("send", {}, { timeoutMs: 20 }))).code).toBe("ACTION_TIMEOUT");
  });

  it("rethrows what an action throws, unchanged, so authors can assert on it", async () => {
    const p = await folder({
      "manifest.json": NOTIFY_MANIFEST,
      "index.mjs":
        'export default { actions: { send() { throw new RangeError("too loud"); }, sendTemplate() {} } };',
    });
    const h = await createHarness({ dir: p.dir });
    await expect(h.invoke("send", {})).rejects.toThrow(RangeError);
  });

  it("imports the entry afresh on every load, so an edited plugin is seen", async () => {
    const p = await folder({
      "manifest.json": NOTIFY_MANIFEST,
      "index.mjs": "export default { actions: { send: () => 1, sendTemplate() {} } };",
    });
    expect(await (await createHarness({ dir: p.dir })).invoke("send")).toBe(1);
    await p.write("index.mjs", "export default { actions: { send: () => 2, sendTemplate() {} } };");
    expect(await (await createHarness({ dir: p.dir })).invoke("send")).toBe(2);
  });
});
