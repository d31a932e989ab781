import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPluginId, newPluginId, PLUGIN_ID_MAX_LENGTH } from "./plugin-id.js";

describe("newPluginId", () => {
  it("is plugin_<slug>_<6 random [a-z0-9]>", () => {
    const id = newPluginId("Slack Notifier");
    expect(id).toMatch(/^plugin_slack-notifier_[a-z0-9]{6}$/);
    expect(isPluginId(id)).toBe(true);
  });

  it("uses the given random source", () => {
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
    expect(newPluginId("slack", bytes)).toBe("plugin_slack_abcdef");
  });

  it("skips bytes that would bias the alphabet", () => {
    const source = () => Uint8Array.from([255, 252, 0, 253, 35, 36, 71, 251, 1, 254, 2, 3]);
    // 0 -> a, 35 -> 9, 36 -> a, 71 -> 9, 251 -> 251 % 36 = 35 -> 9, 1 -> b
    expect(newPluginId("x", source)).toBe("plugin_x_a9a99b");
  });

  it("keeps asking a stingy random source, and gives up on a broken one", () => {
    let calls = 0;
    const stingy = (n: number) => {
      calls += 1;
      return Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 5 : 255));
    };
    expect(newPluginId("x", stingy)).toBe("plugin_x_ffffff");
    expect(calls).toBe(6);
    expect(() => newPluginId("x", (n) => new Uint8Array(n).fill(255))).toThrow(/random source/);
  });

  it("gives different ids for the same name", () => {
    const ids = new Set(Array.from({ length: 200 }, () => newPluginId("slack")));
    expect(ids.size).toBe(200);
  });

  it("uses every character of the alphabet", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i += 1) for (const c of newPluginId("a").slice(-6)) seen.add(c);
    expect(seen.size).toBe(36);
  });

  it("is always a valid id, whatever the name", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" })), (name) => {
        const id = newPluginId(name);
        expect(isPluginId(id)).toBe(true);
        expect(id.length).toBeLessThanOrEqual(PLUGIN_ID_MAX_LENGTH);
      }),
      { numRuns: 500 },
    );
  });
});

describe("isPluginId", () => {
  it("accepts ids of the documented shape", () => {
    for (const id of [
      "plugin_slack_k3x9q2",
      "plugin_ci-cd-helper_000000",
      "plugin_x1a2b3c4d_zzzzzz",
      `plugin_${"a".repeat(40)}_abcdef`,
    ]) {
      expect(isPluginId(id), id).toBe(true);
    }
  });

  it("rejects absurd ids before they reach the database", () => {
    for (const id of [
      "",
      "plugin_",
      "plugin__abcdef",
      "plugin_slack_abcde",
      "plugin_slack_abcdefg",
      "plugin_Slack_abcdef",
      "plugin_slack_ABCDEF",
      "plugin_slack-_abcdef",
      "plugin_-slack_abcdef",
      "plugin_sl--ack_abcdef",
      "plugin_sl_ack_abcdef",
      "plugins_slack_abcdef",
      "plugin_slack_abcdef\n",
      " plugin_slack_abcdef",
      "../../etc/passwd",
      "plugin_slack_abc%2f",
      `plugin_${"a".repeat(41)}_abcdef`,
      `plugin_${"a".repeat(10_000)}_abcdef`,
    ]) {
      expect(isPluginId(id), JSON.stringify(id).slice(0, 50)).toBe(false);
    }
  });

  it("rejects what is not a string", () => {
    for (const v of [null, undefined, 1, {}, ["plugin_slack_abcdef"]]) expect(isPluginId(v)).toBe(false);
  });
});
