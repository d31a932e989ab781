import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Busboy } from "@fastify/busboy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multipartBody } from "./multipart-body.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "arcade-cli-multipart-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

interface Parsed {
  fields: Record<string, string>;
  files: { field: string; fileName: string; mimeType: string; data: Buffer }[];
}

/** Parses a body with @fastify/busboy, the parser the API itself uses. */
function parse(body: Buffer, contentType: string): Promise<Parsed> {
  const parsed: Parsed = { fields: {}, files: [] };
  return new Promise((resolve, reject) => {
    const parser = Busboy({ headers: { "content-type": contentType } });
    parser.on("field", (name, value) => {
      parsed.fields[name] = value;
    });
    parser.on("file", (field, stream, filename, _encoding, mimeType) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () =>
        parsed.files.push({
          field,
          fileName: filename,
          mimeType,
          data: Buffer.concat(chunks),
        }),
      );
    });
    parser.on("error", reject);
    parser.on("finish", () => resolve(parsed));
    parser.end(body);
  });
}

describe("multipartBody", () => {
  it("streams fields and a file as a valid form whose length is announced up front", async () => {
    const file = path.join(dir, "plugin.zip");
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 256;
    await writeFile(file, data);
    const progress: number[] = [];

    const body = await multipartBody(
      { source: "local", manifest: '{"name":"x"}\r\nwith "quotes"' },
      { field: "file", path: file },
      (sent) => progress.push(sent),
    );
    const bytes = await collect(body.stream);

    expect(bytes.length).toBe(body.contentLength);
    expect(body.contentType).toBe(`multipart/form-data; boundary=${body.boundary}`);
    expect(bytes.subarray(-(body.boundary.length + 6)).toString()).toBe(`--${body.boundary}--\r\n`);
    const parsed = await parse(bytes, body.contentType);
    expect(parsed.fields).toEqual({ source: "local", manifest: '{"name":"x"}\r\nwith "quotes"' });
    expect(parsed.files).toHaveLength(1);
    expect(parsed.files[0]).toMatchObject({
      field: "file",
      fileName: "plugin.zip",
      mimeType: "application/zip",
    });
    expect(createHash("sha256").update(parsed.files[0]!.data).digest("hex")).toBe(
      createHash("sha256").update(data).digest("hex"),
    );
    // Progress climbs chunk by chunk to the whole body.
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(body.contentLength);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it("builds a fields-only form (market install)", async () => {
    const body = await multipartBody({ source: "market", marketId: "slack", version: "1.2.0" });
    const bytes = await collect(body.stream);
    expect(bytes.length).toBe(body.contentLength);
    expect(await parse(bytes, body.contentType)).toEqual({
      fields: { source: "market", marketId: "slack", version: "1.2.0" },
      files: [],
    });
  });

  it("escapes quotes and line breaks in file names so the header cannot be broken", async () => {
    const file = path.join(dir, 'we"ird.mjs');
    await writeFile(file, "export default {}\n");
    const body = await multipartBody({}, { field: "file", path: file });
    const parsed = await parse(await collect(body.stream), body.contentType);
    expect(parsed.files[0]).toMatchObject({ fileName: "we%22ird.mjs", mimeType: "text/javascript" });
  });

  it("refuses a missing file or a folder with a message naming it", async () => {
    await expect(multipartBody({}, { field: "file", path: path.join(dir, "nope.zip") })).rejects.toThrow(
      /nope\.zip does not exist/,
    );
    await expect(multipartBody({}, { field: "file", path: dir })).rejects.toThrow(/is not a file/);
  });
});
