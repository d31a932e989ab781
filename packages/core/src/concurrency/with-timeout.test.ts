import { describe, expect, it } from "vitest";
import { withTimeout } from "./with-timeout.js";

describe("withTimeout", () => {
  it("answers the work's value or error when it settles first", async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, () => new Error("late"))).resolves.toBe(7);
    await expect(
      withTimeout(Promise.reject(new Error("own")), 1000, () => new Error("late")),
    ).rejects.toThrow("own");
  });

  it("rejects with the timeout's error when the work does not settle in time, and a late failure stays handled", async () => {
    let fail: (e: Error) => void = () => {};
    const work = new Promise<number>((_, reject) => {
      fail = reject;
    });
    await expect(withTimeout(work, 5, () => new Error("no answer"))).rejects.toThrow("no answer");
    fail(new Error("after the timeout"));
    await new Promise((r) => setImmediate(r));
  });
});
