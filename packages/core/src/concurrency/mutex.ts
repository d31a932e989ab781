/**
 * A FIFO async lock: `run` calls `work` once every earlier holder has finished. A holder that
 * fails does not stop the ones queued after it. The one lock of the platform (per SQLite file
 * in db, per plugin in the runtime as KeyedMutex, the node registry's writes in bus).
 */
export class Mutex {
  /** Settles once everything queued so far has finished; never rejects. */
  private tail: Promise<void> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once every holder queued so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}

/**
 * One Mutex per key: work of one key runs one at a time, work of different keys side by side.
 * A key's lock is dropped when its queue is empty, so the map does not grow with every key seen.
 */
export class KeyedMutex {
  private readonly locks = new Map<string, { mutex: Mutex; queued: number }>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(key);
    if (lock === undefined) {
      lock = { mutex: new Mutex(), queued: 0 };
      this.locks.set(key, lock);
    }
    const held = lock;
    held.queued += 1;
    const result = held.mutex.run(work);
    const release = () => {
      held.queued -= 1;
      if (held.queued === 0 && this.locks.get(key) === held) this.locks.delete(key);
    };
    result.then(release, release);
    return result;
  }

  /** Resolves once every holder of every key queued so far (and any they queued) has finished. */
  async idle(): Promise<void> {
    while (this.locks.size > 0) await Promise.all([...this.locks.values()].map((lock) => lock.mutex.idle()));
  }

  /** Keys with work running or queued. */
  get size(): number {
    return this.locks.size;
  }
}
