import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32, portableCrc32 } from "./crc32.js";

describe("crc32", () => {
  it("matches the standard check value", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(portableCrc32(Buffer.from("123456789"))).toBe(0xcbf43926);
  });

  it("the portable fallback agrees with zlib, also when continued", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        expect(portableCrc32(b, portableCrc32(a))).toBe(crc32(Buffer.concat([a, b])));
      }),
    );
  });
});
