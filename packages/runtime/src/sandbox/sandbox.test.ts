import { AppError } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pluginWorkspace, writePlugin } from "../testing/plugin-fixtures.js";
import { sandboxOf } from "../testing/sandbox-runtime.js";

let root: string;
let dataRoot: string;
let removeRoot: () => Promise<void>;
beforeAll(async () => {
  ({ root, dataRoot, remove: removeRoot } = await pluginWorkspace());
});
afterAll(async () => {
  await removeRoot();
});

async function sandboxFor(source: string, overrides: { cleanupTimeoutMs?: number } = {}) {
  const spec = await writePlugin(root, { pluginId: "p_sb", source });
  return sandboxOf(spec, dataRoot, { cleanupTimeoutMs: overrides.cleanupTimeoutMs ?? 1_000 });
}

describe("Sandbox", () => {
  it("lets in-flight calls finish before it stops, and refuses new ones", async () => {
    const sandbox = await sandboxFor(`let release;
export default { actions: {
  wait() { return new Promise((resolve) => { release = () => resolve("finished"); }); },
  release() { release(); return true; },
} };`);
    await sandbox.start();
    const inFlight = sandbox.invoke("wait", {}, 5_000);
    const outcome = inFlight.catch((e: unknown) => e);
    const stopping = sandbox.stop(200);
    expect(sandbox.state).toBe("stopping");
    await expect(sandbox.invoke("release", {}, 1_000)).rejects.toMatchObject({ code: "PLUGIN_NOT_LOADED" });
    // Nothing can release it from outside now: the drain bound ends the wait instead.
    await stopping;
    expect(await outcome).toMatchObject({
      code: "ACTION_FAILED",
      message: expect.stringContaining("stopped"),
    });
    expect(sandbox.state).toBe("stopped");
  });

  it("drains a call that finishes within the bound", async () => {
    const sandbox = await sandboxFor(`export default { actions: {
  slow() { return new Promise((resolve) => setTimeout(() => resolve("done"), 100)); },
} };`);
    await sandbox.start();
    const inFlight = sandbox.invoke("slow", {}, 5_000);
    await sandbox.stop(5_000);
    expect(await inFlight).toBe("done");
    expect(sandbox.stats).toMatchObject({ calls: 1, errors: 0 });
  });

  it("terminates even when cleanup never returns", async () => {
    const sandbox = await sandboxFor(
      "export default { actions: { a() {} }, cleanup() { return new Promise(() => {}); } };",
      { cleanupTimeoutMs: 100 },
    );
    await sandbox.start();
    await sandbox.stop(1_000);
    expect(sandbox.state).toBe("stopped");
    expect(await sandbox.exited()).toBeTypeOf("number");
  });

  it("fails to start with a readable message when the entry cannot be imported", async () => {
    const sandbox = await sandboxFor("export default { actions: { a() {} } ; syntax error");
    const error = await sandbox.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain("could not be imported");
  });

  it("rejects a module without a default export object", async () => {
    const sandbox = await sandboxFor("export const actions = {};");
    await expect(sandbox.start()).rejects.toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
      message: expect.stringContaining("no default export"),
    });
  });
});
