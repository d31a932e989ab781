import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedFetch } from "./checked-fetch.js";

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/away") {
      res.writeHead(302, { location: "http://127.0.0.1:1/stolen" });
      res.end();
      return;
    }
    res.end(`ok ${req.method}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("the harness's ctx.fetch", () => {
  it("reaches a declared host:port", async () => {
    const fetch = checkedFetch([`127.0.0.1:${port}`]);
    const res = await fetch(`http://127.0.0.1:${port}/x`, { method: "POST", body: "b" });
    expect(await res.text()).toBe("ok POST");
  });

  it("refuses other hosts, ports and redirects to them with PERMISSION_DENIED", async () => {
    const fetch = checkedFetch([`127.0.0.1:${port}`]);
    await expect(fetch(`http://localhost:${port}/`)).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
      denied: `net localhost:${port}`,
    });
    await expect(fetch(`http://127.0.0.1:${port}/away`)).rejects.toMatchObject({ denied: "net 127.0.0.1:1" });
    await expect(checkedFetch([])("https://example.com/")).rejects.toMatchObject({
      denied: "net example.com:443",
    });
  });
});
