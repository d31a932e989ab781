import { describe, expect, it } from "vitest";
import { KeyedMutex, Mutex } from "./mutex.js";

/** A promise with its resolve/reject outside, to hold a lock open as long as a test needs. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("Mutex", () => {
  it("runs holders one at a time, in the order they asked", async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const first = gate();
    const a = mutex.run(async () => {
      log.push("a starts");
      await first.promise;
      log.push("a ends");
      return "a";
    });
    const b = mutex.run(async () => {
      log.push("b runs");
      return "b";
    });
    await tick();
    expect(log).toEqual(["a starts"]);
    first.open();
    expect(await Promise.all([a, b])).toEqual(["a", "b"]);
    expect(log).toEqual(["a starts", "a ends", "b runs"]);
  });

  it("passes a holder's failure to its caller and goes on with the next", async () => {
    const mutex = new Mutex();
    const failed = mutex.run(async () => {
      throw new Error("boom");
    });
    const thrownSync = mutex.run(() => {
      throw new Error("sync boom");
    });
    const next = mutex.run(async () => "next");
    await expect(failed).rejects.toThrow("boom");
    await expect(thrownSync).rejects.toThrow("sync boom");
    await expect(next).resolves.toBe("next");
  });

  it("idle resolves once the holders queued so far are done", async () => {
    const mutex = new Mutex();
    const held = gate();
    let done = false;
    void mutex.run(async () => {
      await held.promise;
      done = true;
    });
    const idle = mutex.idle().then(() => done);
    held.open();
    expect(await idle).toBe(true);
  });
});

describe("KeyedMutex", () => {
  it("serialises work of one key and lets other keys run beside it", async () => {
    const locks = new KeyedMutex();
    const log: string[] = [];
    const held = gate();
    const a1 = locks.run("a", async () => {
      log.push("a1 starts");
      await held.promise;
      log.push("a1 ends");
    });
    const a2 = locks.run("a", async () => void log.push("a2 runs"));
    const b = locks.run("b", async () => void log.push("b runs"));
    await b;
    expect(log).toEqual(["a1 starts", "b runs"]);
    held.open();
    await Promise.all([a1, a2]);
    expect(log).toEqual(["a1 starts", "b runs", "a1 ends", "a2 runs"]);
  });

  it("drops a key's lock when its queue is empty, also after a failure", async () => {
    const locks = new KeyedMutex();
    await locks.run("a", async () => "ok");
    await expect(
      locks.run("b", async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await tick();
    expect(locks.size).toBe(0);
  });

  it("idle waits for work queued while it waits", async () => {
    const locks = new KeyedMutex();
    const log: string[] = [];
    void locks.run("a", async () => {
      log.push("a");
      void locks.run("b", async () => void log.push("b (queued by a)"));
    });
    await locks.idle();
    expect(log).toEqual(["a", "b (queued by a)"]);
    expect(locks.size).toBe(0);
  });
});
