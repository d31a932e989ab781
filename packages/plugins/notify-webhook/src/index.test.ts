import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createHarness, type Harness } from "@arcade/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

// One local webhook for the suite; the path decides how it answers.
let server: Server;
let base: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: text ? JSON.parse(text) : null,
      });
      if (req.url === "/hang") return; // never answers
      const status = req.url?.startsWith("/status/") ? Number(req.url.slice("/status/".length)) : 204;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  received.length = 0;
});

async function load(config: Record<string, unknown>): Promise<Harness> {
  harness = await createHarness({ dir, config });
  return harness;
}

async function rejection(
  work: Promise<unknown>,
): Promise<{ code?: string; message: string; status?: number; errors?: unknown }> {
  return work.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: { code?: string; message: string; status?: number }) => e,
  );
}

describe("notify-webhook", () => {
  it("POSTs { title, message, level } as JSON with the configured headers", async () => {
    const h = await load({ url: `${base}/hook`, headers: { authorization: "Bearer t0k" } });
    expect(await h.invoke("send", { message: "deployed", title: "CD" })).toEqual({
      delivered: true,
      status: 204,
    });
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe("/hook");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers.authorization).toBe("Bearer t0k");
    expect(req?.body).toEqual({ title: "CD", message: "deployed", level: "info" });
  });

  it("renders the template before sending", async () => {
    const h = await load({ url: `${base}/hook` });
    await h.invoke("sendTemplate", { template: "{{who}} approved", data: { who: "ana" }, level: "warn" });
    expect(received[0]?.body).toEqual({ title: null, message: "ana approved", level: "warn" });
  });

  it("throws an error carrying the status when the webhook answers non-2xx", async () => {
    const h = await load({ url: `${base}/status/503` });
    const error = await rejection(h.invoke("send", { message: "x" }));
    expect(error.message).toContain("HTTP 503");
    expect(error.status).toBe(503);
  });

  it("gives up after timeoutMs and says so", async () => {
    const h = await load({ url: `${base}/hang`, timeoutMs: 100 });
    const error = await rejection(h.invoke("send", { message: "x" }));
    expect(error.message).toContain("did not answer within 100 ms");
  });

  it("needs a url, and a valid one", async () => {
    const missing = await rejection(createHarness({ dir }));
    expect(missing.code).toBe("CONFIG_INVALID");
    expect(missing.errors).toEqual([expect.objectContaining({ path: "/url" })]);

    const bad = await rejection(createHarness({ dir, config: { url: "not a url", headers: { a: 1 } } }));
    expect(bad.code).toBe("CONFIG_INVALID");
    expect(bad.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "/url" }),
        expect.objectContaining({ path: "/headers/a" }),
      ]),
    );
  });
});
