import { describe, expect, it } from "vitest";
import { MIN_HEAP_MB, memoryLimitMb } from "./memory-limit.js";

const options = { defaultMb: 256, maxMb: 1024 };

describe("memoryLimitMb", () => {
  it("reads Kubernetes quantities as MiB", () => {
    expect(memoryLimitMb("128Mi", options)).toBe(128);
    expect(memoryLimitMb("1Gi", options)).toBe(1024);
    expect(memoryLimitMb("500M", options)).toBe(477);
    expect(memoryLimitMb("65536Ki", options)).toBe(64);
    expect(memoryLimitMb("0.5Gi", options)).toBe(512);
  });

  it("uses the default when the manifest names none, and caps and floors the rest", () => {
    expect(memoryLimitMb(undefined, options)).toBe(256);
    expect(memoryLimitMb("8Gi", options)).toBe(1024);
    expect(memoryLimitMb("1024", options)).toBe(MIN_HEAP_MB);
  });

  it("rejects what is not a quantity", () => {
    expect(() => memoryLimitMb("lots", options)).toThrow(/not a memory quantity/);
    expect(() => memoryLimitMb("12Xi", options)).toThrow(/not a memory quantity/);
  });
});
