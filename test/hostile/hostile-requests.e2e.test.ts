import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { missingServices, skipReason } from "../harness/index.js";
import {
  type Answer,
  answerOf,
  answerOfRaw,
  type CaseContext,
  type HostileCase,
  MARKER,
  registerTables,
} from "./lib/hostile-case.js";
import { MAX_PLUGIN_SIZE, useHostilePlatform } from "./lib/hostile-platform.js";
import { manifestFor, pluginArchive } from "./lib/hostile-plugins.js";
import { BOUNDARY, multipart, multipartType } from "./lib/multipart.js";
import { headOf, rawRequest } from "./lib/raw-http.js";

// Hostile requests replayed against a running platform (1 API + 1 worker, SQLite + fs store,
// max_plugin_size 4 MiB): malformed and oversized multipart, wrong content types, absurd ids
// and query strings, JSON bombs, unicode tricks and header abuse (over raw sockets where fetch
// refuses to send it). One row per case; lib/hostile-case.ts lists every check made per row.

const missing = missingServices({ database: "sqlite", storage: "fs" });
const API = "/api/v1";
const MiB = 1024 * 1024;
const LONG = "x".repeat(10_000);

type Path = string | ((ctx: CaseContext) => string);
const pathOf = (path: Path, ctx: CaseContext) => (typeof path === "function" ? path(ctx) : path);
const fixture =
  (rest = "") =>
  (ctx: CaseContext) =>
    `${API}/plugins/${ctx.fixture.pluginId}${rest}`;

/** A fetch with the admin token (unless headers set Authorization). */
function send(
  method: string,
  path: Path,
  init: { headers?: Record<string, string>; body?: NonNullable<RequestInit["body"]> } = {},
): (ctx: CaseContext) => Promise<Answer> {
  return async (ctx) =>
    answerOf(
      await ctx.p.request(pathOf(path, ctx), {
        method,
        headers: init.headers ?? {},
        ...(init.body === undefined ? {} : { body: init.body }),
        // A stream body needs half-duplex mode in Node's fetch.
        ...(init.body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit),
    );
}

const json = (method: string, path: Path, body: string | Buffer, headers: Record<string, string> = {}) =>
  send(method, path, { headers: { "content-type": "application/json", ...headers }, body });

/** POST /plugins/install with a hand-made multipart body and content type. */
const installRaw = (body: Buffer | ReadableStream<Uint8Array>, contentType = multipartType()) =>
  send("POST", `${API}/plugins/install`, {
    headers: { "content-type": contentType },
    body: body as NonNullable<RequestInit["body"]>,
  });

/** Bytes over a raw socket: `head(ctx)` is the request line + headers (see headOf). */
const raw =
  (head: (ctx: CaseContext) => string | Buffer, body?: Buffer) =>
  async (ctx: CaseContext): Promise<Answer> =>
    answerOfRaw(await rawRequest(ctx.url, head(ctx), body ? { body } : {}));

const auth = (ctx: CaseContext) => `Authorization: Bearer ${ctx.token}`;

const fileParts = (name: string) => [
  { name: "source", value: "local" },
  { name: "file", value: pluginArchive(name), filename: "plugin.zip" },
];

/** `[[[...]]]` and `{"a":{"a":...}}` of the given depth. */
const deepArray = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

/** A body stream that never ends by itself (stops being pulled once the server gives up). */
function endless(prefix: Buffer): ReadableStream<Uint8Array> {
  let first = true;
  const block = new Uint8Array(64 * 1024).fill(0x61);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(first ? new Uint8Array(prefix) : block);
      first = false;
    },
  });
}

const MULTIPART: HostileCase[] = [
  {
    name: "no boundary parameter",
    send: (ctx) => installRaw(multipart(fileParts(ctx.name)), "multipart/form-data")(ctx),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "body framed with another boundary",
    send: (ctx) => installRaw(multipart(fileParts(ctx.name), { boundary: "other-boundary" }))(ctx),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "boundary of 5,000 characters (RFC 2046: at most 70)",
    send: (ctx) =>
      installRaw(
        multipart(fileParts(ctx.name), { boundary: "b".repeat(5000) }),
        multipartType("b".repeat(5000)),
      )(ctx),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "unterminated body (no closing boundary)",
    send: (ctx) => installRaw(multipart(fileParts(ctx.name), { unterminated: true }))(ctx),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "cut inside the file part",
    send: (ctx) => {
      const body = multipart(fileParts(ctx.name));
      return installRaw(body.subarray(0, body.length - 80))(ctx);
    },
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "cut inside a part header",
    send: installRaw(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-da`)),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "empty body",
    send: installRaw(Buffer.alloc(0)),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "random bytes as the body",
    send: installRaw(randomBytes(4096)),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "two files",
    send: (ctx) =>
      installRaw(
        multipart([
          ...fileParts(ctx.name),
          { name: "file", value: pluginArchive(`${ctx.name}-b`), filename: "second.zip" },
        ]),
      )(ctx),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "the file in another field",
    send: (ctx) =>
      installRaw(
        multipart([
          { name: "source", value: "local" },
          { name: "upload", value: pluginArchive(ctx.name), filename: "plugin.zip" },
        ]),
      )(ctx),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "a repeated text field",
    send: (ctx) => installRaw(multipart([{ name: "source", value: "market" }, ...fileParts(ctx.name)]))(ctx),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "10,000 fields",
    send: (ctx) =>
      installRaw(
        multipart([
          ...Array.from({ length: 10_000 }, (_, i) => ({ name: `f${i}`, value: "1" })),
          ...fileParts(ctx.name),
        ]),
      )(ctx),
    expect: { status: 400, code: "MALFORMED_MULTIPART" },
  },
  {
    name: "a 2 MiB text field",
    send: (ctx) =>
      installRaw(multipart([{ name: "manifest", value: "m".repeat(2 * MiB) }, ...fileParts(ctx.name)]))(ctx),
    expect: { status: 413, code: "PAYLOAD_TOO_LARGE" },
  },
  {
    name: "a part without Content-Disposition",
    send: (ctx) =>
      installRaw(
        multipart([
          { name: "source", value: "local" },
          { name: "file", value: pluginArchive(ctx.name), rawHeaders: "Content-Type: application/zip\r\n" },
        ]),
      )(ctx),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    // The part's header block is split at the smuggled CRLF: the parser (@fastify/busboy) takes
    // a part's first Content-Disposition, so the injected line cannot turn a text field into the
    // file; the part stays the text field it first says it is, and the upload has no file.
    // (Smuggled after a filename, the injected line is a second header that is ignored: the part
    // stays the file it first says it is.)
    name: "CRLF smuggled into a field name",
    send: (ctx) =>
      installRaw(
        multipart([
          { name: "source", value: "local" },
          {
            name: "file",
            value: pluginArchive(ctx.name),
            rawHeaders: `Content-Disposition: form-data; name="${MARKER}"\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n`,
          },
        ]),
      )(ctx),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "file of max_plugin_size + 1 MiB with an honest Content-Length",
    send: installRaw(
      multipart([
        { name: "source", value: "local" },
        { name: "file", value: Buffer.alloc(MAX_PLUGIN_SIZE + MiB, 1), filename: "big.zip" },
      ]),
    ),
    expect: { status: 413, code: "PAYLOAD_TOO_LARGE" },
  },
  {
    name: "Content-Length of 10 GB (refused before the body is read)",
    send: raw(
      (ctx) =>
        headOf("POST", `${API}/plugins/install`, [
          auth(ctx),
          `Content-Type: ${multipartType()}`,
          "Content-Length: 10000000000",
        ]),
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n`),
    ),
    expect: { status: 413, code: "PAYLOAD_TOO_LARGE" },
  },
  {
    name: "chunked body that never ends",
    send: installRaw(
      endless(
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n`),
      ),
    ),
    expect: { status: 413, code: "PAYLOAD_TOO_LARGE" },
  },
];

const CONTENT_TYPES: HostileCase[] = [
  {
    name: "install as application/json",
    send: json("POST", `${API}/plugins/install`, JSON.stringify({ source: "local" })),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "install as a raw application/zip body",
    send: (ctx) =>
      send("POST", `${API}/plugins/install`, {
        headers: { "content-type": "application/zip" },
        body: pluginArchive(ctx.name),
      })(ctx),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "install without a content type",
    send: (ctx) => send("POST", `${API}/plugins/install`, { body: pluginArchive(ctx.name) })(ctx),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "install as multipart/mixed",
    send: (ctx) => installRaw(multipart(fileParts(ctx.name)), `multipart/mixed; boundary=${BOUNDARY}`)(ctx),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "install as application/x-www-form-urlencoded",
    send: send("POST", `${API}/plugins/install`, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "source=local&file=plugin.zip",
    }),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "config as text/plain",
    send: send("PUT", fixture("/config"), {
      headers: { "content-type": "text/plain" },
      body: '{"greeting":"yo"}',
    }),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "config as a multipart form",
    send: send("PUT", fixture("/config"), {
      headers: { "content-type": multipartType() },
      body: multipart([{ name: "greeting", value: "yo" }]),
    }),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "config labelled JSON, body is a form",
    send: json("PUT", fixture("/config"), "greeting=yo"),
    expect: { status: 400, code: "MALFORMED_JSON" },
  },
  {
    name: "config as UTF-16 JSON",
    send: json("PUT", fixture("/config"), Buffer.from('{"greeting":"yo"}', "utf16le"), {
      "content-type": "application/json; charset=utf-16le",
    }),
    expect: { status: 400, code: "MALFORMED_JSON" },
  },
  {
    name: "config gzip-encoded (never inflated by the server)",
    send: json("PUT", fixture("/config"), gzipSync(Buffer.from('{"greeting":"yo"}')), {
      "content-encoding": "gzip",
    }),
    expect: { status: 400, code: "MALFORMED_JSON" },
  },
  {
    name: "enable with a text/plain body",
    send: send("POST", fixture("/enable"), { headers: { "content-type": "text/plain" }, body: "please" }),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "action call as a form",
    send: send("POST", fixture("/actions/execute"), {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "params=1",
    }),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "validate-manifest as text/xml",
    send: send("POST", `${API}/plugins/validate-manifest`, {
      headers: { "content-type": "text/xml" },
      body: "<manifest/>",
    }),
    expect: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "validate-manifest of random bytes as application/zip",
    send: send("POST", `${API}/plugins/validate-manifest`, {
      headers: { "content-type": "application/zip" },
      body: randomBytes(2048),
    }),
    expect: { status: 422, code: "ARCHIVE_INVALID" },
  },
  {
    name: "validate-manifest of a zip-slip archive",
    send: (ctx) =>
      send("POST", `${API}/plugins/validate-manifest`, {
        headers: { "content-type": "application/zip" },
        body: pluginArchive(ctx.name, { extra: [{ name: `../../${MARKER}-vm.mjs`, data: "x" }] }),
      })(ctx),
    expect: { status: 422, code: "ARCHIVE_UNSAFE" },
  },
  {
    name: "validate-manifest of a zip over max_plugin_size",
    send: send("POST", `${API}/plugins/validate-manifest`, {
      headers: { "content-type": "application/zip" },
      body: Buffer.alloc(MAX_PLUGIN_SIZE + 1),
    }),
    expect: { status: 413, code: "PAYLOAD_TOO_LARGE" },
  },
  {
    name: "validate-manifest of an empty JSON body",
    send: json("POST", `${API}/plugins/validate-manifest`, ""),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
];

const IDS_AND_QUERIES: HostileCase[] = [
  {
    name: "plugin id of 10,000 characters",
    send: send("GET", `${API}/plugins/${LONG}`),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "plugin id %00",
    send: send("GET", `${API}/plugins/%00`),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "plugin id ..%2f..%2fetc%2fpasswd",
    send: send("GET", `${API}/plugins/..%2f..%2fetc%2fpasswd`),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    // The server resolves %2e%2e as ".." (WHATWG URL rules): /api/v1/config, no such route.
    name: "plugin id %2e%2e (raw: fetch would resolve it before sending)",
    send: raw((ctx) => headOf("GET", `${API}/plugins/%2e%2e/config`, [auth(ctx)])),
    expect: { status: 404, code: "NOT_FOUND" },
  },
  {
    name: "plugin id with a broken escape %E0%A4%A",
    send: send("GET", `${API}/plugins/%E0%A4%A`),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "plugin id with an overlong UTF-8 slash %C0%AF",
    send: send("GET", `${API}/plugins/..%C0%AF..%C0%AFetc`),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "plugin id in emoji and RTL override",
    send: send("GET", `${API}/plugins/${encodeURIComponent("plugin_💥\u202E_abc123")}`),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "the fixture's id in upper case",
    send: (ctx) => send("GET", `${API}/plugins/${ctx.fixture.pluginId.toUpperCase()}`)(ctx),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "the fixture's id + %00",
    send: send("GET", fixture("%00")),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "the fixture's id + SQL",
    send: send("GET", fixture(encodeURIComponent("' OR '1'='1"))),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "uninstall a 10,000-character id",
    send: send("DELETE", `${API}/plugins/${LONG}`),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "update a plugin id %00",
    send: (ctx) => send("PUT", `${API}/plugins/%00`, { body: formOf(ctx.name) })(ctx),
    expect: { status: 404, code: "PLUGIN_NOT_FOUND" },
  },
  {
    name: "raw ../ segments in the path",
    send: raw((ctx) => headOf("GET", `${API}/plugins/../../../etc/passwd`, [auth(ctx)])),
    expect: { status: 404, code: "NOT_FOUND" },
  },
  {
    name: "action name of 10,000 characters",
    send: json("POST", fixture(`/actions/${LONG}`), "{}"),
    expect: { status: 404, code: "ACTION_NOT_FOUND" },
  },
  {
    name: "action __proto__",
    send: json("POST", fixture("/actions/__proto__"), "{}"),
    expect: { status: 404, code: "ACTION_NOT_FOUND" },
  },
  {
    name: "action constructor",
    send: json("POST", fixture("/actions/constructor"), "{}"),
    expect: { status: 404, code: "ACTION_NOT_FOUND" },
  },
  {
    name: "action hasOwnProperty",
    send: json("POST", fixture("/actions/hasOwnProperty"), "{}"),
    expect: { status: 404, code: "ACTION_NOT_FOUND" },
  },
  {
    name: "action toString",
    send: json("POST", fixture("/actions/toString"), "{}"),
    expect: { status: 404, code: "ACTION_NOT_FOUND" },
  },
  {
    name: "job id of 10,000 characters",
    send: send("GET", `${API}/jobs/${LONG}`),
    expect: { status: 404, code: "JOB_NOT_FOUND" },
  },
  {
    name: "job id ..%2f",
    send: send("GET", `${API}/jobs/..%2f..%2f`),
    expect: { status: 404, code: "JOB_NOT_FOUND" },
  },
  {
    name: "unknown job id with ?wait=2",
    send: send("GET", `${API}/jobs/00000000-0000-0000-0000-000000000000?wait=2`),
    expect: { status: 404, code: "JOB_NOT_FOUND" },
  },
  {
    name: "page=-1",
    send: send("GET", `${API}/plugins?page=-1`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "page=0",
    send: send("GET", `${API}/jobs?page=0`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "page=1.5",
    send: send("GET", `${API}/plugins?page=1.5`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "page=0x10",
    send: send("GET", `${API}/plugins?page=0x10`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "page=99999999999999999999",
    send: send("GET", `${API}/plugins?page=99999999999999999999`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "pageSize=1e9",
    send: send("GET", `${API}/plugins?pageSize=1e9`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "pageSize=1000000000",
    send: send("GET", `${API}/jobs?pageSize=1000000000`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "status=3",
    send: send("GET", `${API}/plugins?status=3`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "pluginType=<script>",
    send: send("GET", `${API}/plugins?pluginType=%3Cscript%3E`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "q of 10,000 characters",
    send: send("GET", `${API}/plugins?q=${LONG}`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "state=bogus",
    send: send("GET", `${API}/jobs?state=bogus`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "pluginId filter of 10,000 characters",
    send: send("GET", `${API}/jobs?pluginId=${LONG}`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  { name: "q=%00 (a NUL in a search)", send: send("GET", `${API}/plugins?q=%00`), expect: { status: 200 } },
  {
    name: "q=%25_ (LIKE wildcards stay literal)",
    send: send("GET", `${API}/plugins?q=%25_`),
    expect: { status: 200 },
  },
  {
    name: "repeated params: the first one counts (pageSize=1&pageSize=1e9)",
    send: send("GET", `${API}/plugins?pageSize=1&pageSize=1e9`),
    expect: { status: 200 },
  },
  {
    name: "repeated params: the first one counts (page=-1&page=1)",
    send: send("GET", `${API}/plugins?page=-1&page=1`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "array params page[]=1&page[]=2",
    send: send("GET", `${API}/plugins?page[]=1&page[]=2`),
    expect: { status: 200 },
  },
  {
    name: "2,000 unknown query params",
    send: send("GET", `${API}/plugins?${Array.from({ length: 2000 }, (_, i) => `k${i}=1`).join("&")}`),
    expect: { status: 200 },
  },
  {
    name: "a 20 kB query string (over Node's 16 KiB header limit)",
    send: send("GET", `${API}/plugins?q=${"q".repeat(20_000)}`),
    expect: { status: 431 },
  },
  {
    name: "enable ?wait=61",
    send: send("POST", fixture("/enable?wait=61")),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "enable ?wait=-1",
    send: send("POST", fixture("/enable?wait=-1")),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "enable ?wait=1e1",
    send: send("POST", fixture("/enable?wait=1e1")),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "uninstall ?cascade=maybe",
    send: send("DELETE", fixture("?cascade=maybe")),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
];

const JSON_BOMBS: HostileCase[] = [
  {
    name: "config nested 100,000 arrays deep",
    send: json("PUT", fixture("/config"), deepArray(100_000)),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "config nested 50,000 objects deep",
    send: json("PUT", fixture("/config"), deepObject(50_000)),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "config of 1.5 MiB (over body_limit_json)",
    send: json("PUT", fixture("/config"), JSON.stringify({ greeting: "g".repeat(1.5 * MiB) })),
    expect: { status: 413, code: "PAYLOAD_TOO_LARGE" },
  },
  {
    name: "config with an array of 300,000 numbers",
    send: json("PUT", fixture("/config"), `{"greeting":[${Array(300_000).fill(0).join(",")}]}`),
    expect: { status: 422, code: "CONFIG_INVALID" },
  },
  {
    name: "config with 50,000 keys",
    send: json(
      "PUT",
      fixture("/config"),
      JSON.stringify(Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]))),
    ),
    expect: { status: 422, code: "CONFIG_INVALID" },
  },
  {
    name: "config with 1e400 (Infinity)",
    send: json("PUT", fixture("/config"), '{"greeting":1e400}'),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "config that is an array",
    send: json("PUT", fixture("/config"), '["greeting"]'),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "config __proto__ key",
    send: json("PUT", fixture("/config"), '{"__proto__":{"greeting":"x","polluted":true}}'),
    expect: { status: 422, code: "CONFIG_INVALID" },
  },
  {
    name: "config constructor.prototype",
    send: json("PUT", fixture("/config"), '{"constructor":{"prototype":{"polluted":true}}}'),
    expect: { status: 422, code: "CONFIG_INVALID" },
  },
  {
    name: "action params nested 100,000 deep",
    send: json("POST", fixture("/actions/execute"), `{"params":${deepArray(100_000)}}`),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "action timeoutMs of 1e9",
    send: json("POST", fixture("/actions/execute"), '{"params":{},"timeoutMs":1000000000}'),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "validate-manifest nested 100,000 deep",
    send: json("POST", `${API}/plugins/validate-manifest`, deepArray(100_000)),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "enable with a body nested 100,000 deep",
    send: json("POST", fixture("/enable"), deepObject(100_000)),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "rollback to an operator object",
    send: json("POST", fixture("/rollback"), '{"version":{"$gt":""}}'),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "rollback to a version of 10,000 characters",
    send: json("POST", fixture("/rollback"), JSON.stringify({ version: LONG })),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "rollback to a version that was never installed",
    send: json("POST", fixture("/rollback"), '{"version":"0.0.1"}'),
    expect: { job: "VERSION_NOT_FOUND" },
  },
];

const UNICODE: HostileCase[] = [
  {
    name: "config with invalid UTF-8 bytes",
    send: json(
      "PUT",
      fixture("/config"),
      Buffer.from([0x7b, 0x22, 0x67, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    ),
    expect: { status: 422, code: "CONFIG_INVALID" },
  },
  {
    name: "config with a lone surrogate \\ud800",
    send: json("PUT", fixture("/config"), '{"greeting":"\\ud800"}'),
    expect: { status: 422, code: "CONFIG_INVALID" },
  },
  {
    name: "config with a zero-width space in a lower-case greeting",
    send: json("PUT", fixture("/config"), '{"greeting":"hi\\u200bthere"}'),
    expect: { status: 422, code: "CONFIG_INVALID" },
  },
  {
    name: "config with a full-width key twin of greeting",
    send: json("PUT", fixture("/config"), '{"ｇｒｅｅｔｉｎｇ":"hi"}'),
    expect: { status: 422, code: "CONFIG_INVALID" },
  },
  {
    name: "config preceded by a byte order mark",
    send: json(
      "PUT",
      fixture("/config"),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"greeting":"BAD"}')]),
    ),
    expect: { status: 400, code: "MALFORMED_JSON" },
  },
  {
    name: "validate-manifest with an RTL-override name",
    send: json("POST", `${API}/plugins/validate-manifest`, JSON.stringify(manifestFor("abc\u202Egpj.exe"))),
    expect: { status: 200 },
  },
  {
    name: "Idempotency-Key with UTF-8 bytes",
    send: raw((ctx) =>
      Buffer.concat([
        Buffer.from(
          headOf("POST", `${API}/plugins/${ctx.fixture.pluginId}/enable`, [
            auth(ctx),
            "Content-Length: 0",
          ]).slice(0, -2),
          "latin1",
        ),
        Buffer.from("Idempotency-Key: κλειδί-🔑\r\n\r\n", "utf8"),
      ]),
    ),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "Idempotency-Key of 10,000 characters",
    send: send("POST", fixture("/enable"), { headers: { "idempotency-key": LONG } }),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
];

const HEADERS: HostileCase[] = [
  {
    name: "a 100 kB header",
    send: raw((ctx) => headOf("GET", `${API}/plugins`, [auth(ctx), `X-Filler: ${"f".repeat(100_000)}`])),
    expect: { status: 431 },
  },
  {
    name: "3,000 headers",
    send: raw((ctx) =>
      headOf("GET", `${API}/plugins`, [auth(ctx), ...Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`)]),
    ),
    expect: { status: 431 },
  },
  {
    name: "Authorization: Bearer + 10,000 characters",
    send: send("GET", `${API}/plugins`, { headers: { authorization: `Bearer ${LONG}` } }),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
  {
    name: "Authorization: Basic",
    send: send("GET", `${API}/plugins`, {
      headers: { authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}` },
    }),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
  {
    name: "Authorization: Bearer (no token)",
    send: send("GET", `${API}/plugins`, { headers: { authorization: "Bearer" } }),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
  {
    name: "Authorization: the token twice",
    send: (ctx) =>
      send("GET", `${API}/plugins`, { headers: { authorization: `Bearer ${ctx.token} ${ctx.token}` } })(ctx),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
  {
    name: "Authorization: the token without a scheme",
    send: (ctx) => send("GET", `${API}/plugins`, { headers: { authorization: ctx.token } })(ctx),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
  {
    name: "Authorization: the token with a trailing NUL (raw)",
    send: raw((ctx) => headOf("GET", `${API}/plugins`, [`Authorization: Bearer ${ctx.token}\u0000`])),
    expect: { status: 400 },
  },
  {
    name: "Authorization: a bare CR inside the value (raw)",
    send: raw((ctx) => headOf("GET", `${API}/plugins`, [`Authorization: Bearer x\r${ctx.token}`])),
    expect: { status: 400 },
  },
  {
    name: "Authorization folded over two lines (obs-fold, raw)",
    send: raw((ctx) => headOf("GET", `${API}/plugins`, ["Authorization: Bearer", ` ${ctx.token}`])),
    expect: { status: 400 },
  },
  {
    name: "CRLF injection: a second header line after a bad token (raw)",
    send: raw((ctx) =>
      headOf("DELETE", fixture()(ctx), ["Authorization: Bearer nope", `X-Injected: ${ctx.token}`]),
    ),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
  {
    name: "two Authorization headers, the bad one first (raw)",
    send: raw((ctx) => headOf("DELETE", fixture()(ctx), ["Authorization: Bearer nope", auth(ctx)])),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
  {
    name: "Content-Length and Transfer-Encoding together (smuggling, raw)",
    send: raw(
      (ctx) =>
        headOf("PUT", fixture("/config")(ctx), [
          auth(ctx),
          "Content-Type: application/json",
          "Content-Length: 4",
          "Transfer-Encoding: chunked",
        ]),
      Buffer.from("0\r\n\r\n"),
    ),
    expect: { status: 400 },
  },
  {
    name: "two different Content-Lengths (raw)",
    send: raw(
      (ctx) =>
        headOf("PUT", fixture("/config")(ctx), [
          auth(ctx),
          "Content-Type: application/json",
          "Content-Length: 2",
          "Content-Length: 17",
        ]),
      Buffer.from('{"greeting":"yo"}'),
    ),
    expect: { status: 400 },
  },
  {
    name: "Content-Length: -1 (raw)",
    send: raw((ctx) =>
      headOf("PUT", fixture("/config")(ctx), [
        auth(ctx),
        "Content-Type: application/json",
        "Content-Length: -1",
      ]),
    ),
    expect: { status: 400 },
  },
  {
    name: "no Host header (raw)",
    send: raw((ctx) => `GET ${API}/plugins HTTP/1.1\r\n${auth(ctx)}\r\nConnection: close\r\n\r\n`),
    expect: { status: 400 },
  },
  {
    name: "an unknown method FOO (raw)",
    send: raw((ctx) => headOf("FOO", `${API}/plugins`, [auth(ctx)])),
    expect: { status: 400 },
  },
  {
    name: "TRACE",
    send: raw((ctx) => headOf("TRACE", `${API}/plugins`, [auth(ctx)])),
    expect: { status: 405, code: "METHOD_NOT_ALLOWED" },
  },
  {
    name: "DELETE on the plugin list",
    send: send("DELETE", `${API}/plugins`),
    expect: { status: 405, code: "METHOD_NOT_ALLOWED" },
  },
  {
    name: "absolute-form request target http://evil/... (raw, no token)",
    send: raw(() => headOf("DELETE", `http://evil.example${API}/plugins/x`, [])),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
  {
    name: "Expect: 100-continue upload with a bad token",
    send: raw(
      (ctx) =>
        headOf("POST", `${API}/plugins/install`, [
          "Authorization: Bearer nope",
          `Content-Type: ${multipartType()}`,
          "Expect: 100-continue",
          `Content-Length: ${multipart(fileParts(ctx.name)).length}`,
        ]),
      multipart(fileParts("hostile-continue")),
    ),
    expect: { status: 401, code: "UNAUTHORIZED" },
  },
];

function formOf(name: string): FormData {
  const form = new FormData();
  form.append("source", "local");
  form.append("file", new Blob([new Uint8Array(pluginArchive(name))]), "plugin.zip");
  return form;
}

describe.skipIf(missing.length > 0)(
  `hostile requests ${missing.length > 0 ? skipReason(missing) : ""}`,
  () => {
    const context = useHostilePlatform("hostile-requests");
    const tables: [string, HostileCase[]][] = [
      ["malformed and oversized multipart", MULTIPART],
      ["wrong content types", CONTENT_TYPES],
      ["absurd ids and query strings", IDS_AND_QUERIES],
      ["JSON bombs", JSON_BOMBS],
      ["unicode tricks", UNICODE],
      ["header abuse", HEADERS],
    ];
    registerTables(context, tables);

    // Last: these once stalled or crashed the API, so the API is replaced after each, whatever happens.
    describe("inputs that once stalled or crashed the API", () => {
      /** Runs `body` and then replaces the API process, whatever state the case left it in. */
      async function thenRestartApi(body: (ctx: ReturnType<typeof context>) => Promise<void>): Promise<void> {
        const ctx = context();
        try {
          await body(ctx);
        } finally {
          const api = ctx.p.apis[0]!;
          await api.kill("SIGKILL");
          await api.start();
        }
      }

      it(
        "a catastrophic-backtracking `pattern` in a configSchema sent to validate-manifest (a viewer may call it) " +
          "leaves /healthz answering (plugin patterns run on RE2, in linear time)",
        () =>
          thenRestartApi(async (ctx) => {
            const manifest = manifestFor("redos", {
              configSchema: { type: "object", properties: { a: { type: "string", pattern: "^(a+)+$" } } },
              defaultConfig: { a: `${"a".repeat(40)}!` },
            });
            const stalled = ctx.p
              .request(`${API}/plugins/validate-manifest`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(manifest),
                signal: AbortSignal.timeout(15_000),
              })
              .catch(() => null);
            await new Promise((resolve) => setTimeout(resolve, 500));
            const health = await fetch(`${ctx.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
            expect(health.status).toBe(200);
            await stalled;
          }),
      );

      it(
        "validate-manifest of a zip64 archive whose end-record locator points past 2^53 -> 422 ARCHIVE_INVALID, " +
          "and the API process lives",
        () =>
          thenRestartApi(async (ctx) => {
            const seed = readFileSync(join(import.meta.dirname, "corpus", "seed-zip64.zip"));
            const bytes = Buffer.from(seed);
            bytes[seed.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07])) + 15] = 0x92;
            const answer = await ctx.p
              .request(`${API}/plugins/validate-manifest`, {
                method: "POST",
                headers: { "content-type": "application/zip" },
                body: bytes,
              })
              .then(answerOf, (error: unknown) => ({ status: 0, code: String(error) }));
            expect(answer.status).toBe(422);
            expect(answer.code).toBe("ARCHIVE_INVALID");
            expect(ctx.p.apis[0]!.running).toBe(true);
          }),
      );
    });
  },
);
