import zlib from "node:zlib";

type Crc32 = (data: Uint8Array, value?: number) => number;

let table: Uint32Array | null = null;

// zlib.crc32 exists from Node 20.15 / 22.2; the package allows Node 20.12.
function portableCrc32(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 (zip's checksum) of `data`, continuing from `value`. */
export const crc32: Crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32 ?? portableCrc32;

export { portableCrc32 };
