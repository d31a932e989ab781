import { fileURLToPath } from "node:url";
import { createHarness, type Harness } from "@arcade/sdk";
import { afterEach, describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function load(config?: Record<string, unknown>): Promise<Harness> {
  harness = await createHarness({ dir, ...(config ? { config } : {}) });
  return harness;
}

async function rejection(
  work: Promise<unknown>,
): Promise<{ code?: string; message: string; errors?: unknown }> {
  return work.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: { code?: string; message: string; errors?: unknown }) => e,
  );
}

describe("notify-stdout", () => {
  it("starts with the default config and answers send with the printed line and its version", async () => {
    const h = await load();
    expect(h.config).toEqual({ prefix: "[arcade]", json: false });
    const answer = await h.invoke("send", { message: "build 42 passed", title: "CI", level: "info" });
    expect(answer).toEqual({ delivered: true, line: "[arcade] INFO CI: build 42 passed", version: "1.0.0" });
    expect(h.logs.map((l) => l.message)).toEqual(["notify-stdout ready", "notification printed"]);
  });

  it("prints JSON lines with json=true and a custom prefix", async () => {
    const h = await load({ json: true, prefix: ">>" });
    const answer = (await h.invoke("send", { message: "deploy failed", level: "error" })) as { line: string };
    expect(JSON.parse(answer.line)).toEqual({
      prefix: ">>",
      level: "error",
      message: "deploy failed",
      version: "1.0.0",
    });
  });

  it("renders {{placeholders}} in sendTemplate, nested ones too", async () => {
    const h = await load();
    const answer = await h.invoke("sendTemplate", {
      template: "{{ job }} finished on {{node.name}} in {{secs}}s",
      data: { job: "build", node: { name: "n1" }, secs: 3 },
    });
    expect(answer).toMatchObject({ delivered: true, line: "[arcade] INFO build finished on n1 in 3s" });
  });

  it("names template variables that have no value", async () => {
    const h = await load();
    await expect(h.invoke("sendTemplate", { template: "{{a}} and {{b}}", data: { a: 1 } })).rejects.toThrow(
      "template variables without a value: b",
    );
  });

  it("rejects a config that does not fit configSchema, per field", async () => {
    const error = await rejection(load({ prefix: 5, colour: "red" }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "/prefix" }),
        expect.objectContaining({ path: "/colour" }),
      ]),
    );
  });

  it("rejects params that do not fit paramsSchema, listing each field", async () => {
    const h = await load();
    const error = await rejection(h.invoke("send", { level: "loud" }));
    expect(error.code).toBe("PARAMS_INVALID");
    expect(error.message).toContain("/params/message");
    expect(error.message).toContain("/params/level");
  });
});
