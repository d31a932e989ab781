import { crc32, deflateRawSync } from "node:zlib";

/**
 * A zip writer that does what a hostile uploader does: every header field is ours to set,
 * including the ones zip libraries refuse to write (`../` names, symlink modes, encryption
 * flags, lying sizes and CRCs, two directory records sharing one local header). Everything is
 * built in memory; the archives of the hostile corpus are small or highly compressible.
 */
export interface RawEntry {
  /** Name in the central directory (and the local header unless localName is set). */
  name: string | Buffer;
  /** Uncompressed content; default empty. */
  data?: string | Buffer;
  /** 0 stored, 8 deflate (default for non-empty data); any other method is written as it is, data stored. */
  method?: number;
  /** General purpose flags; default 0x0800 (UTF-8 names). */
  flags?: number;
  /** External attributes; default a regular file 0644 (a folder for names ending in "/"). */
  externalAttributes?: number;
  /** Another name for the local header only. */
  localName?: string | Buffer;
  /** Declared uncompressed size (central and local); default the real size. */
  declaredSize?: number;
  /** Declared CRC-32; default the real one. */
  crc32?: number;
  /** Point this central record at the local header of an earlier entry (overlapping data). */
  shareLocalHeaderOf?: number;
}

export interface ZipOptions {
  /** Write zip64 end records (needed past 65,535 entries; forced then). */
  zip64?: boolean;
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

/** External attributes for a Unix mode (type bits included), as Info-ZIP writes them. */
export function unixAttributes(mode: number): number {
  return ((mode & 0xffff) << 16) >>> 0;
}

const bytes = (v: string | Buffer): Buffer => (typeof v === "string" ? Buffer.from(v, "utf8") : v);

/** Builds the archive: local headers + data, central directory, end records. */
export function writeZip(entries: readonly RawEntry[], options: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const localOffsets: number[] = [];
  let offset = 0;
  // One precomputed record per distinct entry; a shared one reuses the earlier local header.
  const records: { crc: number; compressedSize: number; size: number; method: number }[] = [];

  for (const [index, entry] of entries.entries()) {
    const name = bytes(entry.name);
    const data = bytes(entry.data ?? "");
    const method = entry.method ?? (data.length === 0 ? 0 : 8);
    const flags = entry.flags ?? 0x0800;
    const isDir = name.at(-1) === 0x2f;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const record = {
      crc: entry.crc32 ?? crc32(data),
      compressedSize: stored.length,
      size: entry.declaredSize ?? data.length,
      method,
    };
    records.push(record);

    let localOffset: number;
    if (entry.shareLocalHeaderOf !== undefined) {
      const shared = localOffsets[entry.shareLocalHeaderOf];
      if (shared === undefined)
        throw new Error(`entry ${index}: no earlier entry ${entry.shareLocalHeaderOf}`);
      localOffset = shared;
      Object.assign(record, records[entry.shareLocalHeaderOf]);
    } else {
      localOffset = offset;
      const localName = bytes(entry.localName ?? name);
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4); // version needed
      header.writeUInt16LE(flags, 6);
      header.writeUInt16LE(method, 8);
      header.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00
      header.writeUInt32LE(record.crc >>> 0, 14);
      header.writeUInt32LE(record.compressedSize, 18);
      header.writeUInt32LE(record.size >>> 0, 22);
      header.writeUInt16LE(localName.length, 26);
      header.writeUInt16LE(0, 28);
      locals.push(header, localName, stored);
      offset += header.length + localName.length + stored.length;
    }
    localOffsets.push(localOffset);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(record.method, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(record.crc >>> 0, 16);
    central.writeUInt32LE(record.compressedSize, 20);
    central.writeUInt32LE(record.size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    const attributes =
      entry.externalAttributes ??
      (isDir ? unixAttributes(S_IFDIR | 0o755) | 0x10 : unixAttributes(S_IFREG | 0o644));
    central.writeUInt32LE(attributes >>> 0, 38);
    central.writeUInt32LE(localOffset, 42);
    centrals.push(central, name);
  }

  const cd = Buffer.concat(centrals);
  const cdStart = offset;
  const count = entries.length;
  const zip64 = options.zip64 || count > 0xfffe;
  const tail: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(cd.length), 40);
    record.writeBigUInt64LE(BigInt(cdStart), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(cdStart + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : count, 8);
  end.writeUInt16LE(zip64 ? 0xffff : count, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : cd.length, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : cdStart, 16);
  tail.push(end);
  return Buffer.concat([...locals, cd, ...tail]);
}
