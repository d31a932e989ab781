import { describe, expect, it } from "vitest";
import { jobAt } from "../test-support/fake-api.js";
import { jobResultLines } from "./job-format.js";

const finished = { state: "succeeded" as const, finishedAt: "2024-05-01T10:00:01.000Z" };

describe("a finished job's lines", () => {
  it("say an update to the installed version and content changed nothing", () => {
    const lines = jobResultLines(
      jobAt(7, {
        ...finished,
        type: "update",
        pluginId: "plugin_demo_abc123",
        result: { version: "1.0.0", checksum: "ab".repeat(32), changed: false },
      }),
    );
    expect(lines[0]).toBe(
      "✓ update plugin_demo_abc123: already at 1.0.0 (same version and content), nothing changed",
    );
    expect(lines.join("\n")).not.toContain("succeeded");
  });

  it("name the key that signed the artifact", () => {
    const lines = jobResultLines(
      jobAt(7, {
        ...finished,
        type: "install",
        result: { version: "1.1.0", signedBy: "ed25519-74a35ce3058c0318" },
      }),
    );
    expect(lines).toContain("  signed by ed25519-74a35ce3058c0318");
  });

  it("list the dependents a cascade handled first", () => {
    const disable = jobResultLines(
      jobAt(7, {
        ...finished,
        type: "disable",
        result: { changed: true, cascaded: ["plugin_a_111111", "plugin_b_222222"] },
      }),
    );
    expect(disable).toContain(
      "  cascaded  plugin_a_111111, plugin_b_222222 (disabled first: they depend on it)",
    );
    const uninstall = jobResultLines(
      jobAt(7, { ...finished, type: "uninstall", result: { changed: true, cascaded: ["plugin_a_111111"] } }),
    );
    expect(uninstall).toContain("  cascaded  plugin_a_111111 (uninstalled first: they depend on it)");
  });

  it("keep the plain success line for a real update", () => {
    const lines = jobResultLines(jobAt(7, { ...finished, type: "update", result: { version: "1.1.0" } }));
    expect(lines[0]).toMatch(/^✓ update succeeded/);
  });
});
