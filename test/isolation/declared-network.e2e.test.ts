import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPluginZip, usePlatform } from "../harness/index.js";
import { missingForRuntime, preferredBackends, suiteName } from "../runtime/backends.js";
import { invoke, uploadAndWait } from "../runtime/node-api.js";

// Issue 11: declared permissions work. A webhook plugin that declares one host:port reaches
// that host (a loopback server here) through fetch, and nothing else: not another port, not
// a redirect to an undeclared host, not a raw socket to the declared one.
const missing = missingForRuntime();

const WEBHOOK_SOURCE = `
export default {
  actions: {
    async send(params, ctx) {
      const response = await ctx.fetch(params.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: params.message }),
      });
      return { status: response.status, body: await response.text(), url: response.url };
    },
    async sendTemplate(params) {
      // The plugin's global fetch goes through the same check.
      const response = await fetch(params.url);
      return { status: response.status, body: await response.text() };
    },
    async raw(params) {
      const net = await import("node:net");
      return new Promise((resolve, reject) => {
        const socket = net.connect(params.port, "127.0.0.1");
        socket.on("error", reject);
        socket.on("connect", () => { socket.destroy(); resolve("connected"); });
      });
    },
  },
};
`;

describe.skipIf(missing.length > 0)(suiteName("isolation: declared network hosts", missing), () => {
  const platform = usePlatform({ apis: 1, workers: 1, ...preferredBackends(), label: "iso-net" });
  let hook: Server;
  let other: Server;
  let hookPort = 0;
  let otherPort = 0;
  const received: string[] = [];
  let pluginId = "";

  beforeAll(async () => {
    hook = createServer((req, res) => {
      if (req.url === "/bounce") {
        res.writeHead(307, { location: `http://127.0.0.1:${otherPort}/stolen` });
        res.end();
        return;
      }
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(201, { "content-type": "text/plain" });
        res.end("accepted");
      });
    });
    other = createServer((req, res) => {
      received.push(`OTHER ${req.method} ${req.url}`);
      res.end("should never be reached");
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    hookPort = (hook.address() as AddressInfo).port;
    otherPort = (other.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => hook.close(resolve));
    await new Promise((resolve) => other.close(resolve));
  });

  it("installs a webhook plugin that declares its host, and shows the permission", async () => {
    const zip = await buildPluginZip({
      name: "webhook-declared",
      pluginType: "notify",
      source: WEBHOOK_SOURCE,
      manifest: { permissions: { network: { hosts: [`127.0.0.1:${hookPort}`] } } },
    });
    const job = await uploadAndWait(platform(), zip);
    pluginId = job.pluginId;
    expect(job.result).toMatchObject({
      permissions: { network: { hosts: [`127.0.0.1:${hookPort}`], raw: false } },
      permissionsApproval: { approvedBy: "bootstrap", granted: [`network.hosts 127.0.0.1:${hookPort}`] },
    });
    const detail = await platform().call<{ permissions: unknown }>("GET", `/api/v1/plugins/${pluginId}`);
    expect(detail.body.permissions).toEqual({
      fs: { read: [], write: [] },
      network: { hosts: [`127.0.0.1:${hookPort}`], raw: false },
      process: false,
      env: [],
    });
  });

  it("reaches the declared host through ctx.fetch and the global fetch", async () => {
    const p = platform();
    const sent = await invoke(p, 0, pluginId, "send", {
      url: `http://127.0.0.1:${hookPort}/hook`,
      message: "hi",
    });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.result).toEqual({
      status: 201,
      body: "accepted",
      url: `http://127.0.0.1:${hookPort}/hook`,
    });
    expect(received).toContain(`POST /hook {"message":"hi"}`);
    const got = await invoke(p, 0, pluginId, "sendTemplate", { url: `http://127.0.0.1:${hookPort}/ping` });
    expect(got.body.result).toEqual({ status: 201, body: "accepted" });
  });

  it("reaches nothing else: another port, a redirect off the declared host, a raw socket", async () => {
    const p = platform();
    for (const [action, params, what] of [
      ["send", { url: `http://127.0.0.1:${otherPort}/x`, message: "no" }, `net 127.0.0.1:${otherPort}`],
      ["send", { url: `http://127.0.0.1:${hookPort}/bounce`, message: "no" }, `net 127.0.0.1:${otherPort}`],
      ["send", { url: `http://localhost:${hookPort}/x`, message: "no" }, `net localhost:${hookPort}`],
      ["send", { url: `file:///etc/passwd`, message: "no" }, "net file:"],
      ["raw", { port: hookPort }, `net 127.0.0.1:${hookPort}`],
    ] as const) {
      const res = await invoke(p, 0, pluginId, action, params);
      expect(res.status, `${JSON.stringify(params)}: ${res.text}`).toBe(403);
      expect(res.body).toMatchObject({ code: "PERMISSION_DENIED", denied: what });
    }
    expect(received.filter((line) => line.startsWith("OTHER"))).toEqual([]);
  });
});
