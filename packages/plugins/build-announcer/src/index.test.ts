import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createHarness, type Harness } from "@arcade/sdk";
import { afterEach, describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("build-announcer", () => {
  it("declares notify-stdout ^1.0.0 as its dependency", async () => {
    const manifest = JSON.parse(await readFile(new URL("../manifest.json", import.meta.url), "utf8"));
    expect(manifest.dependencies).toEqual([{ name: "notify-stdout", version: "^1.0.0" }]);
  });

  it("turns a build result into notify-stdout's send params", async () => {
    harness = await createHarness({ dir, config: { project: "shop" } });
    expect(await harness.invoke("execute", { build: 42, status: "failed", branch: "main" })).toEqual({
      send: { title: "shop", message: "build 42 on main failed", level: "error" },
      version: "1.0.0",
    });
    expect(await harness.invoke("execute", { build: 7, status: "passed" })).toMatchObject({
      send: { message: "build 7 passed", level: "info" },
    });
  });

  it("refuses params outside paramsSchema", async () => {
    harness = await createHarness({ dir });
    await expect(harness.invoke("execute", { build: 0, status: "green" })).rejects.toMatchObject({
      code: "PARAMS_INVALID",
    });
  });
});
