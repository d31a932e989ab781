import type { JobResult } from "@arcade/contracts";
import { expect } from "vitest";

/**
 * A job's `nodes` when each of the `count` live nodes applied its change (honest convergence):
 * that many distinct nodes in `applied`, none failed or pending, not degraded.
 */
export function expectEveryNodeApplied(nodes: JobResult["nodes"], count: number): void {
  expect(nodes).toEqual({ expected: count, applied: expect.any(Array), failed: [], pending: [] });
  expect(new Set(nodes?.applied).size).toBe(count);
}
