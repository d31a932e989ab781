import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "vitest";
import { missingServices, skipReason } from "../harness/index.js";
import {
  type Answer,
  answerOf,
  type CaseContext,
  type HostileCase,
  MARKER,
  registerTables,
} from "./lib/hostile-case.js";
import { MAX_PLUGIN_SIZE, uploadForm, useHostilePlatform } from "./lib/hostile-platform.js";
import { ENTRY, manifestFor, pluginArchive, pluginEntries } from "./lib/hostile-plugins.js";
import { multipart, multipartType } from "./lib/multipart.js";
import { type RawEntry, S_IFLNK, unixAttributes, writeZip } from "./lib/zip-writer.js";

// Hostile uploads replayed against a running platform (1 API + 1 worker, SQLite + fs store,
// max_plugin_size 4 MiB): archive tricks and manifest edge cases. The API stages any upload it
// can read; the worker's inspection then fails the job with a specific code. One row per case:
// a name, how to build and send it, and the expected answer (see lib/hostile-case.ts for every
// check made on each row, the "no state change" comparison included).

const missing = missingServices({ database: "sqlite", storage: "fs" });
const CORPUS = join(import.meta.dirname, "corpus");
const SEED = readFileSync(join(CORPUS, "seed-deflate.zip"));
const MiB = 1024 * 1024;

/** POST /plugins/install with the archive `build(name)` as the file part (source=local). */
function install(
  build: (name: string) => Buffer,
  options: { fields?: Record<string, string>; fileName?: string } = {},
): (ctx: CaseContext) => Promise<Answer> {
  return async (ctx) =>
    answerOf(
      await ctx.p.request("/api/v1/plugins/install", {
        method: "POST",
        body: uploadForm(build(ctx.name), options),
      }),
    );
}

/** A valid plugin archive with `extra` entries added. */
const withEntries =
  (...extra: RawEntry[]) =>
  (name: string) =>
    pluginArchive(name, { extra });

/** A valid plugin archive with these manifest fields changed. */
const withManifest = (fields: Record<string, unknown>) => (name: string) =>
  pluginArchive(name, { manifest: fields });

/** Same as withManifest, but `name` is replaced too. */
const named =
  (name: string, fields: Record<string, unknown> = {}) =>
  () =>
    pluginArchive(name, { manifest: fields });

/** The valid entries of a plugin with `change` applied to the entry called `entryName`. */
const editEntry =
  (entryName: string, change: Partial<RawEntry>) =>
  (name: string): Buffer =>
    writeZip(pluginEntries(name).map((e) => (e.name === entryName ? { ...e, ...change } : e)));

/** Deeply nested JSON text: `[[[...]]]`. */
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

const zeros = (n: number) => Buffer.alloc(n);

/** Plugin names are meant to be unique regardless of case and Unicode spelling (core nameKey). */

const ARCHIVE_TRICKS: HostileCase[] = [
  {
    name: "zip slip: ../ entry",
    send: install(withEntries({ name: `../${MARKER}-slip.mjs`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "zip slip: lib/../../../.. entry",
    send: install(withEntries({ name: `lib/../../../../${MARKER}-deep.mjs`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "absolute path /tmp/...",
    send: install(withEntries({ name: `/tmp/${MARKER}-abs.mjs`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "backslash traversal ..\\x",
    send: install(withEntries({ name: `..\\${MARKER}-bs.mjs`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "backslash as a separator lib\\x",
    send: install(withEntries({ name: `lib\\${MARKER}-sep.mjs`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "drive letter C:/x",
    send: install(withEntries({ name: `C:/${MARKER}-drive.mjs`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "drive-relative C:x",
    send: install(withEntries({ name: `C:${MARKER}-drive2.mjs`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "NUL inside an entry name",
    send: install(withEntries({ name: `${MARKER}-nul.mjs\u0000.txt`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "entry name of 2 KB",
    send: install(withEntries({ name: `lib/${"a".repeat(2048)}.mjs`, data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "symlink entry to /etc/passwd",
    send: install(
      withEntries({
        name: `${MARKER}-link`,
        data: "/etc/passwd",
        method: 0,
        externalAttributes: unixAttributes(S_IFLNK | 0o777),
      }),
    ),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "the entry point itself is a symlink",
    send: install(
      editEntry(ENTRY, {
        data: "../../../../etc/passwd",
        method: 0,
        externalAttributes: unixAttributes(S_IFLNK | 0o777),
      }),
    ),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "fifo entry",
    send: install(withEntries({ name: `${MARKER}-fifo`, externalAttributes: unixAttributes(0o010644) })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "duplicate names",
    send: install(withEntries({ name: "lib/a.mjs", data: "1" }, { name: "lib/a.mjs", data: "2" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "two manifest.json entries (which one is real?)",
    send: install((name) =>
      writeZip([
        ...pluginEntries(name),
        { name: "manifest.json", data: JSON.stringify(manifestFor(`${name}-b`)) },
      ]),
    ),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "case twins A.mjs / a.mjs",
    send: install(withEntries({ name: "lib/A.mjs", data: "1" }, { name: "lib/a.mjs", data: "2" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "case twin of manifest.json (MANIFEST.JSON)",
    send: install(withEntries({ name: "MANIFEST.JSON", data: "{}" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "unicode normalisation twins (NFC é / NFD e + U+0301)",
    send: install(
      withEntries({ name: "lib/caf\u00e9.mjs", data: "1" }, { name: "lib/cafe\u0301.mjs", data: "2" }),
    ),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "full-width twin of the entry point (NFKC)",
    send: install(withEntries({ name: "ｉｎｄｅｘ.mjs", data: "1" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "a file and a folder with the same name",
    send: install(withEntries({ name: "lib", data: "file" }, { name: "lib/x.mjs", data: "x" })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "encrypted flag on an entry",
    send: install(editEntry(ENTRY, { flags: 0x0801 })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "local header names another file than the central directory",
    send: install(editEntry(ENTRY, { localName: `${MARKER}-hid.mjs` })),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "overlapping entries (non-recursive zip bomb: 40 records, one data block)",
    send: install((name) =>
      writeZip([
        ...pluginEntries(name),
        { name: "block.bin", data: randomBytes(64 * 1024), method: 0 },
        ...Array.from({ length: 40 }, (_, i) => ({ name: `copy-${i}.bin`, shareLocalHeaderOf: 2 })),
      ]),
    ),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "zip bomb: 64 MB of zeros deflated (ratio ~1000)",
    send: install(withEntries({ name: "bomb.bin", data: zeros(64 * MiB) })),
    expect: { job: "ARCHIVE_TOO_LARGE" },
  },
  {
    name: "zip bomb: declares 1 kB, inflates to 64 MB",
    send: install(withEntries({ name: "bomb.bin", data: zeros(64 * MiB), declaredSize: 1000 })),
    expect: { job: "ARCHIVE_TOO_LARGE" },
  },
  {
    name: "declares 4 GB uncompressed",
    send: install(withEntries({ name: "huge.bin", data: "x", declaredSize: 0xfffffffe })),
    expect: { job: "ARCHIVE_TOO_LARGE" },
  },
  {
    name: "70,000 entries (zip64; directory records share one local header)",
    send: install((name) =>
      writeZip([
        ...pluginEntries(name),
        ...Array.from({ length: 70_000 }, (_, i) => ({ name: i.toString(36), shareLocalHeaderOf: 1 })),
      ]),
    ),
    expect: { job: "ARCHIVE_TOO_LARGE" },
  },
  {
    name: "unsupported compression method (LZMA)",
    send: install(editEntry(ENTRY, { method: 14 })),
    expect: { job: "ARCHIVE_INVALID" },
  },
  {
    name: "CRC-32 mismatch",
    send: install(editEntry(ENTRY, { crc32: 0xdeadbeef })),
    expect: { job: "ARCHIVE_INVALID" },
  },
  {
    name: "truncated archive (seed cut in half)",
    send: install(() => SEED.subarray(0, SEED.length >> 1)),
    expect: { job: "ARCHIVE_INVALID" },
  },
  {
    name: "truncated archive (last byte missing)",
    send: install(() => SEED.subarray(0, SEED.length - 1)),
    expect: { job: "ARCHIVE_INVALID" },
  },
  {
    name: "random bytes",
    send: install(() => randomBytes(64 * 1024)),
    expect: { job: "ARCHIVE_INVALID" },
  },
  {
    name: "empty file",
    send: install(() => Buffer.alloc(0)),
    expect: { job: "ARCHIVE_INVALID" },
  },
  {
    name: "a PNG named plugin.zip",
    send: install(() => Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), randomBytes(512)])),
    expect: { job: "ARCHIVE_INVALID" },
  },
  {
    name: "archive with no entries",
    send: install(() => writeZip([])),
    expect: { job: "MANIFEST_MISSING" },
  },
  {
    name: "no manifest.json",
    send: install(() => writeZip([{ name: ENTRY, data: "export default {}" }])),
    expect: { job: "MANIFEST_MISSING" },
  },
  {
    name: "manifest.json only inside a folder",
    send: install((name) =>
      writeZip(pluginEntries(name).map((e) => ({ ...e, name: `plugin/${String(e.name)}` }))),
    ),
    expect: { job: "MANIFEST_MISSING" },
  },
  {
    name: "manifest.json is a directory",
    send: install((name) =>
      writeZip([
        { name: "manifest.json/" },
        { name: "manifest.json/x.json", data: JSON.stringify(manifestFor(name)) },
        { name: ENTRY, data: "export default {}" },
      ]),
    ),
    expect: { job: "MANIFEST_MISSING" },
  },
  {
    name: "manifest.json is a symlink",
    send: install(
      editEntry("manifest.json", {
        data: "/etc/passwd",
        method: 0,
        externalAttributes: unixAttributes(S_IFLNK | 0o777),
      }),
    ),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "manifest.json is itself a zip (zip inside zip)",
    send: install((name) => pluginArchive(name, { manifest: pluginArchive(`${name}-inner`) })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "manifest.json is not UTF-8",
    send: install((name) =>
      pluginArchive(name, {
        manifest: Buffer.from(JSON.stringify(manifestFor(name, { author: "Ren\u00e9" })), "latin1"),
      }),
    ),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "manifest.json over 1 MiB",
    send: install((name) =>
      pluginArchive(name, {
        manifest: JSON.stringify({ ...manifestFor(name), description: randomBytes(MiB).toString("base64") }),
      }),
    ),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "manifest.json nested 100,000 deep",
    send: install((name) => pluginArchive(name, { manifest: nested(100_000) })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "manifest.json is not JSON",
    send: install((name) => pluginArchive(name, { manifest: "name: yaml\nversion: 1.0.0\n" })),
    expect: { job: "MANIFEST_INVALID" },
  },
];

const MANIFEST_EDGES: HostileCase[] = [
  {
    name: "missing name",
    send: install(withManifest({ name: undefined })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "missing version",
    send: install(withManifest({ version: undefined })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "missing pluginType",
    send: install(withManifest({ pluginType: undefined })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "missing entryPoint",
    send: install(withManifest({ entryPoint: undefined })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "manifest is an array",
    send: install((n) => pluginArchive(n, { manifest: "[]" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "manifest is null",
    send: install((n) => pluginArchive(n, { manifest: "null" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "version is a number",
    send: install(withManifest({ version: 1 })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "name is an object",
    send: install(withManifest({ name: { en: "x" } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "tags is a string",
    send: install(withManifest({ tags: "a,b" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "dependencies is an object",
    send: install(withManifest({ dependencies: { a: "1" } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "bad semver 1.0",
    send: install(withManifest({ version: "1.0" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "bad semver v1.0.0",
    send: install(withManifest({ version: "v1.0.0" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "bad semver 01.0.0",
    send: install(withManifest({ version: "01.0.0" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "bad dependency range",
    send: install(withManifest({ dependencies: [{ name: "other", version: "not a range" }] })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "51 dependencies (over maxItems)",
    send: install(
      withManifest({
        dependencies: Array.from({ length: 51 }, (_, i) => ({ name: `dep-${i}`, version: "^1.0.0" })),
      }),
    ),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "depends on itself",
    send: install((n) => pluginArchive(n, { manifest: { dependencies: [{ name: n, version: "*" }] } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "depends on a plugin that is not installed",
    send: install(withManifest({ dependencies: [{ name: "no-such-plugin", version: "^1.0.0" }] })),
    expect: { job: "DEPENDENCY_MISSING" },
  },
  {
    name: "minVersion newer than the platform",
    send: install(withManifest({ minVersion: "999.0.0" })),
    expect: { job: "PLATFORM_VERSION_UNSUPPORTED" },
  },
  {
    name: "unknown pluginType",
    send: install(withManifest({ pluginType: "rootkit" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "entryPoint ../ traversal",
    send: install(withManifest({ entryPoint: `../${MARKER}-ep.mjs` })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "entryPoint absolute /etc/passwd",
    send: install(withManifest({ entryPoint: "/etc/passwd" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "entryPoint with a backslash",
    send: install(withManifest({ entryPoint: "lib\\index.mjs" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "entryPoint is not a module (manifest.json)",
    send: install(withManifest({ entryPoint: "manifest.json" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "entryPoint names a file that is not in the archive",
    send: install(withManifest({ entryPoint: "missing.mjs" })),
    expect: { job: "ENTRY_POINT_MISSING" },
  },
  {
    name: "entryPoint names a folder",
    send: install((n) =>
      pluginArchive(n, { manifest: { entryPoint: "lib.mjs" }, extra: [{ name: "lib.mjs/" }] }),
    ),
    expect: { job: "ENTRY_POINT_MISSING" },
  },
  {
    name: "configSchema is not a JSON Schema",
    send: install(withManifest({ configSchema: { type: "banana", properties: 7 } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "configSchema is a string",
    send: install(withManifest({ configSchema: "{}" })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "configSchema with a remote $ref (never fetched)",
    send: install(withManifest({ configSchema: { $ref: `http://127.0.0.1:9/${MARKER}.json` } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "configSchema for a non-object config",
    send: install(withManifest({ configSchema: { type: "string" } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "defaultConfig violates configSchema",
    send: install(
      withManifest({
        configSchema: { type: "object", properties: { port: { type: "integer", maximum: 65535 } } },
        defaultConfig: { port: 70000 },
      }),
    ),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "paramsSchema is not a schema",
    send: install(withManifest({ paramsSchema: { type: 12 } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "unknown top-level field",
    send: install(withManifest({ evil: true })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "unknown field in resources",
    send: install(withManifest({ resources: { gpu: "1" } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "resources.memory that does not fit",
    send: install(withManifest({ resources: { memory: "99999999999999999999Ti" } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "description of 2001 characters",
    send: install(withManifest({ description: "d".repeat(2001) })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "author of 500 kB",
    send: install(withManifest({ author: "a".repeat(500_000) })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "name of 101 characters",
    send: install(named("n".repeat(101))),
    expect: { job: "MANIFEST_INVALID" },
  },
  { name: "emoji-only name", send: install(named("🔥🚀💥")), expect: { job: "MANIFEST_INVALID" } },
  {
    name: "zero-width-only name",
    send: install(named("\u200b\u200c\u200d")),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "RTL override in the name (Trojan Source)",
    send: install(named(`${MARKER}\u202Egpj.exe`)),
    expect: { job: "MANIFEST_INVALID" },
  },
  { name: "newline in the name", send: install(named("two\nlines")), expect: { job: "MANIFEST_INVALID" } },
  { name: "name with leading space", send: install(named(" padded")), expect: { job: "MANIFEST_INVALID" } },
  // Twins of the fixture's name: the name rule (lowercase a-z, 0-9, -, _, .) refuses them
  // before the uniqueness check (nameKey) would.
  {
    name: "name twin of the fixture: upper case",
    send: install(() => pluginArchive("HOSTILE-FIXTURE")),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "name twin of the fixture: full-width letters (NFKC)",
    send: install(() => pluginArchive("ｈｏｓｔｉｌｅ-fixture")),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "name twin of the fixture: a zero-width space inside",
    send: install(() => pluginArchive("hostile\u200b-fixture")),
    expect: { job: "MANIFEST_INVALID" },
  },
  { name: "path in the name", send: install(named("../../etc/acc")), expect: { job: "MANIFEST_INVALID" } },
  {
    name: "prototype pollution: top-level __proto__",
    send: install((n) =>
      pluginArchive(n, {
        manifest: `{"__proto__":{"polluted":true},${JSON.stringify(manifestFor(n)).slice(1)}`,
      }),
    ),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "prototype pollution: top-level constructor.prototype",
    send: install(withManifest({ constructor: { prototype: { polluted: true } } })),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "prototype pollution: __proto__ in defaultConfig of a closed schema",
    send: install((n) => {
      const m = manifestFor(n, {
        configSchema: { type: "object", additionalProperties: false, properties: { a: { type: "string" } } },
      });
      const text = JSON.stringify(m).replace(/}$/, ',"defaultConfig":{"__proto__":{"polluted":true}}}');
      return pluginArchive(n, { manifest: text });
    }),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "configSchema nested 70 deep",
    send: install(withManifest({ configSchema: deepSchema(70) })),
    expect: { job: "MANIFEST_INVALID" },
  },
];

/** { type: object, properties: { a: { ... depth levels ... } } } */
function deepSchema(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: "string" };
  for (let i = 0; i < depth; i += 1) schema = { type: "object", properties: { a: schema } };
  return schema;
}

/** Upload fields and forms around the archive (the multipart framing itself is in hostile-requests). */
const UPLOAD_FIELDS: HostileCase[] = [
  {
    name: "file over max_plugin_size (4 MiB + 1)",
    send: install(() => randomBytes(MAX_PLUGIN_SIZE + 1)),
    expect: { status: 413, code: "PAYLOAD_TOO_LARGE" },
  },
  {
    name: "source=local without a file",
    send: async (ctx) => {
      const form = new FormData();
      form.append("source", "local");
      return answerOf(await ctx.p.request("/api/v1/plugins/install", { method: "POST", body: form }));
    },
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "source=ftp",
    send: install((n) => pluginArchive(n), { fields: { source: "ftp" } }),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "source=market with a file",
    send: install((n) => pluginArchive(n), { fields: { source: "market", marketId: "x" } }),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "source=market without marketId",
    send: async (ctx) => {
      const form = new FormData();
      form.append("source", "market");
      return answerOf(await ctx.p.request("/api/v1/plugins/install", { method: "POST", body: form }));
    },
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "source=market while the market is disabled",
    send: async (ctx) => {
      const form = new FormData();
      form.append("source", "market");
      form.append("marketId", `../../${MARKER}`);
      return answerOf(await ctx.p.request("/api/v1/plugins/install", { method: "POST", body: form }));
    },
    expect: { job: "MARKET_DISABLED" },
  },
  {
    name: "signature without keyId",
    send: install((n) => pluginArchive(n), { fields: { signature: "AAAA" } }),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "a signature by an unknown key",
    send: install((n) => pluginArchive(n), { fields: { signature: "AAAA", keyId: `${MARKER}-key` } }),
    expect: { job: "KEY_UNTRUSTED" },
  },
  {
    name: "single .mjs file without a manifest field",
    send: install(() => Buffer.from("export default {}"), { fileName: "index.mjs" }),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "single .mjs file, manifest field is not JSON",
    send: install(() => Buffer.from("export default {}"), {
      fileName: "index.mjs",
      fields: { manifest: "{name:" },
    }),
    expect: { status: 400, code: "MALFORMED_JSON" },
  },
  {
    name: "single .mjs file, manifest field nested 200,000 deep",
    send: install(() => Buffer.from("export default {}"), {
      fileName: "index.mjs",
      fields: { manifest: nested(200_000) },
    }),
    expect: { status: 400, code: "VALIDATION_FAILED" },
  },
  {
    name: "single .mjs file named ../../x.mjs, invalid manifest",
    send: async (ctx) =>
      answerOf(
        await ctx.p.request("/api/v1/plugins/install", {
          method: "POST",
          headers: { "content-type": multipartType() },
          body: multipart([
            { name: "source", value: "local" },
            { name: "manifest", value: JSON.stringify(manifestFor(ctx.name, { version: "one" })) },
            { name: "file", value: "export default {}", filename: `../../${MARKER}-mod.mjs` },
          ]),
        }),
      ),
    expect: { job: "MANIFEST_INVALID" },
  },
  {
    name: "update of the fixture with a zip-slip archive",
    send: async (ctx) =>
      answerOf(
        await ctx.p.request(`/api/v1/plugins/${ctx.fixture.pluginId}`, {
          method: "PUT",
          body: uploadForm(
            pluginArchive(ctx.fixture.name, {
              manifest: { version: "2.0.0" },
              extra: [{ name: `../${MARKER}-upd.mjs`, data: "x" }],
            }),
          ),
        }),
      ),
    expect: { job: "ARCHIVE_UNSAFE" },
  },
  {
    name: "update of the fixture to the same version",
    send: async (ctx) =>
      answerOf(
        await ctx.p.request(`/api/v1/plugins/${ctx.fixture.pluginId}`, {
          method: "PUT",
          body: uploadForm(pluginArchive(ctx.fixture.name, { manifest: { description: "changed" } })),
        }),
      ),
    expect: { job: "VERSION_NOT_NEWER" },
  },
  {
    name: "update of the fixture with another plugin's name",
    send: async (ctx) =>
      answerOf(
        await ctx.p.request(`/api/v1/plugins/${ctx.fixture.pluginId}`, {
          method: "PUT",
          body: uploadForm(pluginArchive(`${ctx.name}-other`, { manifest: { version: "2.0.0" } })),
        }),
      ),
    expect: { job: "MANIFEST_INVALID" },
  },
];

describe.skipIf(missing.length > 0)(
  `hostile uploads ${missing.length > 0 ? skipReason(missing) : ""}`,
  () => {
    const context = useHostilePlatform("hostile-uploads");
    const tables: [string, HostileCase[]][] = [
      ["archive tricks", ARCHIVE_TRICKS],
      ["manifest edge cases", MANIFEST_EDGES],
      ["upload fields", UPLOAD_FIELDS],
    ];
    registerTables(context, tables);
  },
);
