import { once } from "node:events";
import { readdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkedStream, multipartBody, pluginZip } from "../testing/fixtures.js";
import { call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";
import { TOKENS } from "../testing/test-tokens.js";

const MAX = 64 * 1024;
const BOUNDARY = "----upload-test";

function head(name: string, filename?: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ""}\r\n` +
      (filename ? "Content-Type: application/zip\r\n" : "") +
      "\r\n",
  );
}
const TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

async function until(check: () => Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeWithRedis("streaming uploads: limits, malformed bodies, aborted clients", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ maxPluginSize: MAX });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function install(body: RequestInit["body"], headers: Record<string, string> = {}) {
    return call(t.app, "/api/v1/plugins/install", {
      method: "POST",
      body,
      headers: { "content-type": CONTENT_TYPE, ...headers },
    });
  }

  describe("413 PAYLOAD_TOO_LARGE, and nothing left in staging/", () => {
    it("a Content-Length far over the limit is refused before reading", async () => {
      const res = await install(chunkedStream(head("file", "big.zip"), MAX * 4, TAIL), {
        "content-length": String(MAX * 4 + 500),
      });
      await expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("a file just over the limit with an honest Content-Length is cut off while streaming", async () => {
      const body = Buffer.concat([head("file", "big.zip"), Buffer.alloc(MAX + 1, 7), TAIL]);
      const res = await install(body);
      expect(body.length).toBeLessThan(MAX * 2);
      const problem = await expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
      expect(problem.limit).toBe(MAX);
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("a chunked body with no Content-Length is cut off while streaming", async () => {
      const stream = chunkedStream(head("file", "big.zip"), MAX * 8, TAIL);
      const res = await install(stream);
      await expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("a chunked body that never ends is still cut off at the limit", async () => {
      const stream = chunkedStream(head("file", "endless.zip"), Number.MAX_SAFE_INTEGER);
      await expectProblem(await install(stream), 413, "PAYLOAD_TOO_LARGE");
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("a form field over its limit is 413 too", async () => {
      const body = Buffer.concat([head("manifest"), Buffer.alloc(1024 * 1024 + 10, 97), TAIL]);
      await expectProblem(await install(chunkedStream(body, 0)), 413, "PAYLOAD_TOO_LARGE");
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("a file of exactly the limit is accepted", async () => {
      const zip = await pluginZip();
      const padded = Buffer.concat([zip, Buffer.alloc(MAX - zip.length)]);
      const { body, contentType } = multipartBody([{ name: "file", value: padded, filename: "exact.zip" }]);
      const job = await expectJson<{ jobId: string }>(
        await install(body, { "content-type": contentType }),
        202,
      );
      expect((await t.store.head(`staging/${job.jobId}`))?.size).toBe(MAX);
      await t.store.delete(`staging/${job.jobId}`);
    });
  });

  describe("400 MALFORMED_MULTIPART", () => {
    it("a content type without a boundary", async () => {
      const { body } = multipartBody([{ name: "file", value: "x", filename: "a.zip" }]);
      await expectProblem(
        await install(body, { "content-type": "multipart/form-data; charset=utf-8" }),
        400,
        "MALFORMED_MULTIPART",
      );
    });

    it("a body framed with another boundary than the header says", async () => {
      const { body } = multipartBody(
        [{ name: "file", value: await pluginZip(), filename: "a.zip" }],
        "other-boundary",
      );
      await expectProblem(await install(body), 400, "MALFORMED_MULTIPART");
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("a truncated body (cut inside the file part)", async () => {
      const { body } = multipartBody(
        [{ name: "file", value: await pluginZip(), filename: "a.zip" }],
        BOUNDARY,
      );
      await expectProblem(await install(body.subarray(0, body.length - 60)), 400, "MALFORMED_MULTIPART");
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("a truncated body (cut inside a part header)", async () => {
      const cut = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-da`);
      await expectProblem(await install(cut), 400, "MALFORMED_MULTIPART");
    });

    it("garbage, and an empty body", async () => {
      await expectProblem(await install(Buffer.from("\u0000\u0001garbage")), 400, "MALFORMED_MULTIPART");
      await expectProblem(await install(Buffer.alloc(0)), 400, "MALFORMED_MULTIPART");
      expect(await t.stagingLeftovers()).toEqual([]);
    });
  });

  describe("a client that goes away mid-upload", () => {
    it("a body stream that fails inside the file part: the request ends, the staged temp file is removed", async () => {
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new Uint8Array(head("file", "gone.zip")));
          else if (sent < 8) controller.enqueue(new Uint8Array(4096).fill(1));
          else controller.error(new Error("socket hang up"));
          sent += 1;
        },
      });
      const res = await install(stream);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await t.stagingLeftovers()).toEqual([]);
    });

    it("over a real socket, a client sending too much still reads the 413 (the server drains, not resets)", async () => {
      const server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
      await once(server, "listening");
      const { port } = server.address() as AddressInfo;
      try {
        const url = `http://127.0.0.1:${port}/api/v1/plugins/install`;
        const headers = { authorization: `Bearer ${TOKENS.admin}`, "content-type": CONTENT_TYPE };
        const sized = await fetch(url, {
          method: "POST",
          headers,
          body: Buffer.concat([head("file", "big.zip"), Buffer.alloc(MAX * 3, 1), TAIL]),
          signal: AbortSignal.timeout(20_000),
        });
        await expectProblem(sized, 413, "PAYLOAD_TOO_LARGE");
        const chunked = await fetch(url, {
          method: "POST",
          headers,
          body: chunkedStream(head("file", "big.zip"), MAX * 20, TAIL),
          duplex: "half",
          signal: AbortSignal.timeout(20_000),
        } as RequestInit);
        await expectProblem(chunked, 413, "PAYLOAD_TOO_LARGE");
        expect(await t.stagingLeftovers()).toEqual([]);
      } finally {
        server.close();
      }
    });

    it("over a real socket: the upload stops, the temp file goes, and the next upload on the server works", async () => {
      const server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
      await once(server, "listening");
      const { port } = server.address() as AddressInfo;
      try {
        const socket = connect(port, "127.0.0.1");
        await once(socket, "connect");
        socket.on("error", () => {});
        socket.write(
          "POST /api/v1/plugins/install HTTP/1.1\r\nHost: x\r\n" +
            `Authorization: Bearer ${TOKENS.admin}\r\nContent-Type: ${CONTENT_TYPE}\r\n` +
            `Content-Length: ${MAX}\r\n\r\n`,
        );
        socket.write(head("file", "half.zip"));
        socket.write(Buffer.alloc(MAX / 4, 3));
        const stagingDir = join(t.store.root, "staging");
        // The staged temp file exists once the server is streaming the part ...
        await until(async () => (await readdir(stagingDir).catch(() => [])).length > 0, "staging temp file");
        socket.destroy();
        // ... and is gone once the server has noticed the disconnect.
        await until(async () => (await t.stagingLeftovers()).length === 0, "staging to be empty again");

        const { body, contentType } = multipartBody([
          { name: "file", value: await pluginZip(), filename: "next.zip" },
        ]);
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/plugins/install`, {
          method: "POST",
          body,
          headers: { authorization: `Bearer ${TOKENS.admin}`, "content-type": contentType },
          signal: AbortSignal.timeout(20_000),
        });
        const job = await expectJson<{ jobId: string }>(res, 202);
        expect(await t.stagingLeftovers()).toEqual([
          `staging/${job.jobId}`,
          `disk:${job.jobId}`,
          `disk:${job.jobId}.meta.json`,
        ]);
        await t.store.delete(`staging/${job.jobId}`);
      } finally {
        server.close();
      }
    });
  });
});
