import { AppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { decodeEvent, encodeEvent, PLUGIN_EVENT_OPS, validateEvent } from "./event-codec.js";
import { sampleEvent } from "./test-helpers.js";

function errorPaths(value: unknown): string[] {
  const result = validateEvent(value);
  return result.ok ? [] : result.errors.map((e) => e.path);
}

describe("event codec", () => {
  it("round-trips every op", () => {
    for (const op of PLUGIN_EVENT_OPS) {
      const event = sampleEvent({ op, revision: 7 });
      expect(decodeEvent(encodeEvent(event))).toEqual({ ok: true, event });
    }
  });

  it("accepts nulls where the contract allows them (uninstall)", () => {
    const event = sampleEvent({ op: "uninstall", version: null, checksum: null, jobId: null });
    expect(decodeEvent(JSON.stringify(event))).toEqual({ ok: true, event });
  });

  it("drops unknown fields so newer publishers do not break older nodes", () => {
    const decoded = decodeEvent(JSON.stringify({ ...sampleEvent(), extra: "x" }));
    expect(decoded.ok && Object.keys(decoded.event).sort()).toEqual(
      ["checksum", "jobId", "op", "pluginId", "revision", "version"].sort(),
    );
  });

  it("rejects text that is not JSON, and JSON that is not an object", () => {
    expect(decodeEvent("{nope").ok).toBe(false);
    expect(decodeEvent("").ok).toBe(false);
    expect(errorPaths([sampleEvent()])).toEqual([""]);
    expect(errorPaths(null)).toEqual([""]);
    expect(errorPaths("install")).toEqual([""]);
  });

  it("names each bad field", () => {
    expect(errorPaths({ ...sampleEvent(), revision: -1 })).toEqual(["/revision"]);
    expect(errorPaths({ ...sampleEvent(), revision: 1.5 })).toEqual(["/revision"]);
    expect(errorPaths({ ...sampleEvent(), revision: "3" })).toEqual(["/revision"]);
    expect(errorPaths({ ...sampleEvent(), pluginId: "" })).toEqual(["/pluginId"]);
    expect(errorPaths({ ...sampleEvent(), op: "explode" })).toEqual(["/op"]);
    expect(errorPaths({ ...sampleEvent(), op: "toString" })).toEqual(["/op"]);
    expect(errorPaths({ ...sampleEvent(), version: 1 })).toEqual(["/version"]);
    expect(errorPaths({ ...sampleEvent(), checksum: "A".repeat(64) })).toEqual(["/checksum"]);
    expect(errorPaths({ ...sampleEvent(), jobId: undefined })).toEqual(["/jobId"]);
    const { pluginId: _drop, ...missing } = sampleEvent();
    expect(errorPaths(missing)).toEqual(["/pluginId"]);
  });

  it("refuses to encode an invalid event with VALIDATION_FAILED and field errors", () => {
    const bad = { ...sampleEvent(), op: "explode" } as unknown as Parameters<typeof encodeEvent>[0];
    try {
      encodeEvent(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("VALIDATION_FAILED");
      expect((error as AppError).errors.map((e) => e.path)).toEqual(["/op"]);
    }
  });
});
