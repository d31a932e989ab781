/**
 * Test support only (not exported from the package): builds archives with yazl and
 * then rewrites their bytes into what yazl refuses to make (absolute names, "..",
 * backslashes, encryption flags, lying sizes), the way a hostile upload would.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import yazl from "yazl";

export interface FixtureEntry {
  name: string;
  data?: Buffer | string;
  /** Data from a stream (sizes unknown to yazl: it writes a data descriptor). */
  stream?: Readable;
  directory?: boolean;
  compress?: boolean;
  mode?: number;
}

const MTIME = new Date(2020, 0, 1);

/** A zip made by yazl from the entries, in memory. */
export async function yazlZip(entries: readonly FixtureEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    const options = {
      mtime: MTIME,
      ...(e.mode === undefined ? {} : { mode: e.mode }),
      ...(e.compress === undefined ? {} : { compress: e.compress }),
    };
    if (e.directory)
      zip.addEmptyDirectory(e.name, { mtime: MTIME, ...(e.mode === undefined ? {} : { mode: e.mode }) });
    else if (e.stream) zip.addReadStream(e.stream, e.name, options);
    else zip.addBuffer(Buffer.from(e.data ?? ""), e.name, options);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A readable of `size` zero bytes, produced lazily. */
export function zeros(size: number, chunk = 1024 * 1024): Readable {
  let left = size;
  const block = Buffer.alloc(chunk);
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, chunk);
      left -= n;
      this.push(n === chunk ? block : block.subarray(0, n));
    },
  });
}

export interface ParsedEntry {
  index: number;
  /** Offset of the central directory record. */
  cdOffset: number;
  localOffset: number;
  /** First byte of the entry's data. */
  dataStart: number;
  name: Buffer;
  flags: number;
  compressedSize: number;
}

function eocdOffset(buf: Buffer): number {
  for (let i = buf.length - 22; i >= 0; i -= 1) if (buf.readUInt32LE(i) === 0x06054b50) return i;
  throw new Error("no end of central directory record");
}

/** The central directory of a (non-zip64) archive. */
export function parseZip(buf: Buffer): ParsedEntry[] {
  const eocd = eocdOffset(buf);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ParsedEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error("bad central directory record");
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const dataStart =
      localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    out.push({
      index,
      cdOffset: p,
      localOffset,
      dataStart,
      name: Buffer.from(buf.subarray(p + 46, p + 46 + nameLength)),
      flags: buf.readUInt16LE(p + 8),
      compressedSize: buf.readUInt32LE(p + 20),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

export interface EntryEdit {
  /** New name for the central directory and (unless localName is given) the local header. */
  name?: string | Buffer;
  localName?: string | Buffer;
  /** General purpose bit flag, central and local. */
  flags?: number;
  externalAttributes?: number;
  /** Declared uncompressed size, central and local. */
  uncompressedSize?: number;
  crc32?: number;
  compressionMethod?: number;
}

const bytes = (v: string | Buffer) => (typeof v === "string" ? Buffer.from(v, "utf8") : v);

/**
 * Rewrites a yazl archive entry by entry (names of any length, flags, sizes,
 * attributes), recomputing every offset. Data and data descriptors are copied as
 * they are.
 */
export function rewriteZip(buf: Buffer, edit: (entry: ParsedEntry) => EntryEdit | undefined): Buffer {
  const entries = parseZip(buf);
  const eocd = eocdOffset(buf);
  const cdStart = buf.readUInt32LE(eocd + 16);
  const order = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  const locals: Buffer[] = [];
  const newOffsets = new Map<number, number>();
  const edits = new Map<number, EntryEdit>();
  let offset = 0;
  for (const entry of order) {
    const change = edit(entry) ?? {};
    edits.set(entry.index, change);
    const next = order[order.indexOf(entry) + 1]?.localOffset ?? cdStart;
    const header = Buffer.from(buf.subarray(entry.localOffset, entry.localOffset + 30));
    const oldNameLength = header.readUInt16LE(26);
    const extra = buf.subarray(entry.localOffset + 30 + oldNameLength, entry.dataStart);
    const rest = buf.subarray(entry.dataStart, next);
    const name = bytes(
      change.localName ??
        change.name ??
        buf.subarray(entry.localOffset + 30, entry.localOffset + 30 + oldNameLength),
    );
    header.writeUInt16LE(name.length, 26);
    if (change.flags !== undefined) header.writeUInt16LE(change.flags, 6);
    if (change.compressionMethod !== undefined) header.writeUInt16LE(change.compressionMethod, 8);
    if (change.crc32 !== undefined && header.readUInt32LE(14) !== 0) header.writeUInt32LE(change.crc32, 14);
    if (change.uncompressedSize !== undefined && header.readUInt32LE(22) !== 0) {
      header.writeUInt32LE(change.uncompressedSize, 22);
    }
    newOffsets.set(entry.index, offset);
    const record = Buffer.concat([header, name, extra, rest]);
    locals.push(record);
    offset += record.length;
  }
  const newCdStart = offset;
  const centrals: Buffer[] = [];
  for (const entry of entries) {
    const change = edits.get(entry.index) ?? {};
    const p = entry.cdOffset;
    const fixed = Buffer.from(buf.subarray(p, p + 46));
    const nameLength = fixed.readUInt16LE(28);
    const tail = buf.subarray(
      p + 46 + nameLength,
      p + 46 + nameLength + fixed.readUInt16LE(30) + fixed.readUInt16LE(32),
    );
    const name = bytes(change.name ?? entry.name);
    fixed.writeUInt16LE(name.length, 28);
    if (change.flags !== undefined) fixed.writeUInt16LE(change.flags, 8);
    if (change.compressionMethod !== undefined) fixed.writeUInt16LE(change.compressionMethod, 10);
    if (change.crc32 !== undefined) fixed.writeUInt32LE(change.crc32 >>> 0, 16);
    if (change.uncompressedSize !== undefined) fixed.writeUInt32LE(change.uncompressedSize, 24);
    if (change.externalAttributes !== undefined) fixed.writeUInt32LE(change.externalAttributes >>> 0, 38);
    fixed.writeUInt32LE(newOffsets.get(entry.index)!, 42);
    centrals.push(Buffer.concat([fixed, name, tail]));
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.from(buf.subarray(eocd));
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(newCdStart, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Overwrites the local header offset of central directory record `index`. */
export function pointEntryAt(buf: Buffer, index: number, localOffset: number): Buffer {
  const out = Buffer.from(buf);
  const entry = parseZip(out)[index];
  if (!entry) throw new Error(`no entry ${index}`);
  out.writeUInt32LE(localOffset, entry.cdOffset + 42);
  return out;
}

/** A scratch folder for one test file, removed by the returned cleanup. */
export async function scratchDir(prefix: string): Promise<{
  dir: string;
  file: (name: string, data: Buffer) => Promise<string>;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), `arcade-${prefix}-`));
  let n = 0;
  return {
    dir,
    file: async (name, data) => {
      n += 1;
      const file = path.join(dir, `${n}-${name}`);
      await writeFile(file, data);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export const MINIMAL_MANIFEST = {
  name: "fixture-plugin",
  version: "1.0.0",
  pluginType: "custom",
  entryPoint: "index.js",
} as const;

export const MINIMAL_MODULE = "export default { actions: { async execute() { return 1; } } };\n";

/** manifest.json + index.js, and any extra entries. */
export function pluginEntries(
  extra: FixtureEntry[] = [],
  manifest: unknown = MINIMAL_MANIFEST,
): FixtureEntry[] {
  return [
    { name: "manifest.json", data: JSON.stringify(manifest) },
    { name: "index.js", data: MINIMAL_MODULE },
    ...extra,
  ];
}

/**
 * Appends `count` copies of entry `templateIndex` under new names (yazl needs
 * quadratic time for tens of thousands of entries; copying its records does not).
 * Always writes zip64 end records, as yazl does past 65 535 entries.
 */
export function replicateEntry(
  buf: Buffer,
  templateIndex: number,
  count: number,
  nameOf: (i: number) => string,
): Buffer {
  const entries = parseZip(buf);
  const template = entries[templateIndex];
  if (!template) throw new Error(`no entry ${templateIndex}`);
  const eocd = eocdOffset(buf);
  const cdStart = buf.readUInt32LE(eocd + 16);
  const localsEnd = cdStart;
  const tplLocalHeader = buf.subarray(template.localOffset, template.localOffset + 30);
  const tplLocalNameLength = tplLocalHeader.readUInt16LE(26);
  const tplLocalExtra = buf.subarray(template.localOffset + 30 + tplLocalNameLength, template.dataStart);
  // data (and a data descriptor, if any) run up to the next local header or the central directory
  const nextLocal = entries
    .map((e) => e.localOffset)
    .filter((o) => o > template.localOffset)
    .sort((a, b) => a - b)[0];
  const tplData = buf.subarray(template.dataStart, nextLocal ?? localsEnd);
  const tplCd = buf.subarray(template.cdOffset, template.cdOffset + 46);
  const tplCdTail = buf.subarray(
    template.cdOffset + 46 + tplCd.readUInt16LE(28),
    template.cdOffset + 46 + tplCd.readUInt16LE(28) + tplCd.readUInt16LE(30) + tplCd.readUInt16LE(32),
  );

  const locals: Buffer[] = [buf.subarray(0, localsEnd)];
  const centrals: Buffer[] = [buf.subarray(cdStart, eocd)];
  let offset = localsEnd;
  for (let i = 0; i < count; i += 1) {
    const name = Buffer.from(nameOf(i), "utf8");
    const header = Buffer.from(tplLocalHeader);
    header.writeUInt16LE(name.length, 26);
    locals.push(header, name, tplLocalExtra, tplData);
    const central = Buffer.from(tplCd);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name, tplCdTail);
    offset += header.length + name.length + tplLocalExtra.length + tplData.length;
  }
  const cd = Buffer.concat(centrals);
  const total = entries.length + count;
  const zip64Eocd = Buffer.alloc(56);
  zip64Eocd.writeUInt32LE(0x06064b50, 0);
  zip64Eocd.writeBigUInt64LE(44n, 4);
  zip64Eocd.writeUInt16LE(45, 12);
  zip64Eocd.writeUInt16LE(45, 14);
  zip64Eocd.writeBigUInt64LE(BigInt(total), 24);
  zip64Eocd.writeBigUInt64LE(BigInt(total), 32);
  zip64Eocd.writeBigUInt64LE(BigInt(cd.length), 40);
  zip64Eocd.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([...locals, cd, zip64Eocd, locator, end]);
}
