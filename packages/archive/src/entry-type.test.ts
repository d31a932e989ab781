import { describe, expect, it } from "vitest";
import { unixFileType } from "./entry-type.js";

describe("unixFileType", () => {
  it("reads the type from the high 16 bits", () => {
    expect(unixFileType(0)).toBe("none");
    expect(unixFileType(0x10)).toBe("none"); // MS-DOS directory bit only
    expect(unixFileType((0o100644 << 16) >>> 0)).toBe("file");
    expect(unixFileType((0o040755 << 16) >>> 0)).toBe("directory");
    expect(unixFileType((0o120777 << 16) >>> 0)).toBe("symlink");
    expect(unixFileType((0o060644 << 16) >>> 0)).toBe("special");
    expect(unixFileType((0o140777 << 16) >>> 0)).toBe("special");
  });
});
