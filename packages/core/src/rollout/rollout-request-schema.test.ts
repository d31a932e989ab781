import { RolloutRequestSchema } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { validateAgainst } from "../schema/schema-compiler.js";
import { validateRolloutRequest } from "./validate-rollout.js";

/** The wire schema and the core rules together, as the API will apply them to `rollout`. */
function check(body: unknown): string[] {
  const shape = validateAgainst(RolloutRequestSchema, body, "/rollout");
  if (shape.length > 0) return shape.map((e) => e.path);
  return validateRolloutRequest(body as never).map((e) => `/rollout${e.path}`);
}

describe("RolloutRequestSchema", () => {
  it("accepts the issue's examples", () => {
    expect(
      check({
        strategy: "canary",
        steps: [{ nodes: 1, hold: "60s" }, { percent: 50, hold: "5m" }, { percent: 100 }],
        abortOn: { errorRate: 0.02, crashes: 0, p99Ratio: 1.5 },
      }),
    ).toEqual([]);
    expect(check({ strategy: "two-phase" })).toEqual([]);
    expect(check({ strategy: "all-at-once", split: { "2.0.0": 10 }, callerKeyHeader: "X-Caller" })).toEqual(
      [],
    );
    expect(check({ strategy: "canary", steps: [{ nodes: 2, hold: 90 }] })).toEqual([]);
  });

  it("refuses unknown strategies and members, bad holds and shares, with pointers", () => {
    expect(check({ strategy: "blue-green" })).not.toEqual([]);
    expect(check({ strategy: "canary", steps: [{ nodes: 1, hold: "a while" }] })[0]).toMatch(
      /^\/rollout\/steps\/0/,
    );
    expect(check({ strategy: "canary", steps: [{ nodes: 1, wait: "60s" }] })[0]).toMatch(
      /^\/rollout\/steps\/0/,
    );
    expect(check({ strategy: "all-at-once", split: { "2.0.0": 120 } })[0]).toMatch(/^\/rollout\/split/);
    expect(check({ strategy: "canary", abortOn: { errorRate: 2 } })[0]).toBe("/rollout/abortOn/errorRate");
    expect(check({ strategy: "all-at-once", callerKeyHeader: "bad header" })[0]).toBe(
      "/rollout/callerKeyHeader",
    );
  });
});
