import { afterEach, describe, expect, it, vi } from "vitest";
import { type RetryEvent, retry, retryDelay } from "./retry.js";

/** Work that fails `failures` times (with errors named after the try), then answers "done". */
function flaky(failures: number) {
  const seen: number[] = [];
  const work = async (attempt: number) => {
    seen.push(attempt);
    if (attempt <= failures) throw new Error(`fail ${attempt}`);
    return "done";
  };
  return { work, seen };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("retry", () => {
  it("tries again until the work succeeds, numbering the tries from 1", async () => {
    const { work, seen } = flaky(2);
    await expect(retry(work, { attempts: 3 })).resolves.toBe("done");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("throws the last failure as it is when the tries are used up", async () => {
    const { work, seen } = flaky(5);
    await expect(retry(work, { attempts: 3 })).rejects.toThrow("fail 3");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("makes one try when attempts is 0 or less", async () => {
    const { work, seen } = flaky(5);
    await expect(retry(work, { attempts: 0 })).rejects.toThrow("fail 1");
    expect(seen).toEqual([1]);
  });

  it("throws a failure the predicate refuses at once", async () => {
    const { work, seen } = flaky(5);
    const retryable = vi.fn((_error: unknown, attempt: number) => attempt < 2);
    await expect(retry(work, { attempts: 10, retryable })).rejects.toThrow("fail 2");
    expect(seen).toEqual([1, 2]);
    expect(retryable.mock.calls.map(([error, attempt]) => [(error as Error).message, attempt])).toEqual([
      ["fail 1", 1],
      ["fail 2", 2],
    ]);
  });

  it("tells onRetry of each retry with its doubling, capped wait", async () => {
    const { work } = flaky(3);
    const events: RetryEvent[] = [];
    await retry(work, { attempts: 4, baseDelayMs: 2, maxDelayMs: 5, onRetry: (e) => void events.push(e) });
    expect(events.map((e) => [e.attempt, e.delayMs, (e.error as Error).message])).toEqual([
      [1, 2, "fail 1"],
      [2, 4, "fail 2"],
      [3, 5, "fail 3"],
    ]);
  });

  it("ends with onRetry's own failure (a repair that could not be made)", async () => {
    const { work, seen } = flaky(5);
    const onRetry = () => Promise.reject(new Error("cannot repair"));
    await expect(retry(work, { attempts: 3, onRetry })).rejects.toThrow("cannot repair");
    expect(seen).toEqual([1]);
  });

  it("stops waiting when the signal aborts, with its reason", async () => {
    const { work, seen } = flaky(5);
    const controller = new AbortController();
    const running = retry(work, {
      attempts: 5,
      baseDelayMs: 60_000,
      signal: controller.signal,
      onRetry: () => controller.abort(new Error("shutting down")),
    });
    await expect(running).rejects.toThrow("shutting down");
    expect(seen).toEqual([1]);
  });

  it("makes no try when the signal has already aborted", async () => {
    const { work, seen } = flaky(0);
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(retry(work, { attempts: 3, signal: controller.signal })).rejects.toThrow("gone");
    expect(seen).toEqual([]);
  });
});

describe("retryDelay", () => {
  it("doubles from the base up to the cap, and is 0 without a base", () => {
    const policy = { attempts: 9, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(policy, a))).toEqual([100, 200, 400, 800, 1_000]);
    expect(retryDelay({ attempts: 3 }, 2)).toBe(0);
  });

  it("takes at most the jitter's fraction off", () => {
    const policy = { attempts: 3, baseDelayMs: 1_000, jitter: 0.2 };
    vi.spyOn(Math, "random").mockReturnValue(0);
    expect(retryDelay(policy, 1)).toBe(1_000);
    vi.spyOn(Math, "random").mockReturnValue(0.999_999);
    expect(retryDelay(policy, 1)).toBe(800);
  });
});
