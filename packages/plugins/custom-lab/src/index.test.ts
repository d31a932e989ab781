import { fileURLToPath } from "node:url";
import { createHarness, type Harness } from "@arcade/sdk";
import { afterEach, describe, expect, it } from "vitest";

// loop, leak and exit are for the platform's sandbox tests: invoking them here
// would hang, exhaust or end the test process itself.
const dir = fileURLToPath(new URL("..", import.meta.url));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function rejection(
  work: Promise<unknown>,
): Promise<{ code?: string; message: string; errors?: unknown }> {
  return work.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: { code?: string; message: string }) => e,
  );
}

describe("custom-lab", () => {
  it("echoes params, version, plugin id and config from execute", async () => {
    harness = await createHarness({ dir, pluginId: "plugin_custom-lab_abc123", config: { label: "blue" } });
    expect(await harness.invoke("execute", { a: [1, 2] })).toEqual({
      params: { a: [1, 2] },
      version: "1.0.0",
      pluginId: "plugin_custom-lab_abc123",
      config: { initMode: "ok", label: "blue" },
    });
  });

  it("sleeps in slow, fails on demand and lists environment variable names", async () => {
    harness = await createHarness({ dir });
    expect(await harness.invoke("slow", { ms: 5 })).toEqual({ sleptMs: 5 });
    await expect(harness.invoke("fail", { message: "boom" })).rejects.toThrow("boom");
    const names = (await harness.invoke("env")) as string[];
    expect(names).toContain("PATH");
  });

  it("checks slow and fail params against their per-action schemas", async () => {
    harness = await createHarness({ dir });
    const tooLong = await rejection(harness.invoke("slow", { ms: 60_001 }));
    expect(tooLong.code).toBe("PARAMS_INVALID");
    expect(tooLong.errors).toEqual([expect.objectContaining({ path: "/params/ms" })]);
    expect((await rejection(harness.invoke("slow", {}))).code).toBe("PARAMS_INVALID");
    expect((await rejection(harness.invoke("fail", { message: 1 }))).code).toBe("PARAMS_INVALID");
  });

  it("fails to load with initMode=throw, and never finishes init with initMode=hang", async () => {
    const thrown = await rejection(createHarness({ dir, config: { initMode: "throw" } }));
    expect(thrown.code).toBe("PLUGIN_LOAD_FAILED");
    expect(thrown.message).toContain("initMode=throw");
    const hung = await rejection(createHarness({ dir, config: { initMode: "hang" }, initTimeoutMs: 100 }));
    expect(hung.code).toBe("PLUGIN_LOAD_FAILED");
    expect((await rejection(createHarness({ dir, config: { initMode: "sometimes" } }))).code).toBe(
      "CONFIG_INVALID",
    );
  });
});
