import type { Readable } from "node:stream";
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from "@arcade/core";

/**
 * Passes every call to a real store and counts the reads, so a test can tell
 * whether the cache went to the store. `beforeGet` can hold a read back to
 * widen a race on purpose.
 */
export class CountingStore implements ObjectStore {
  gets = 0;
  beforeGet: (() => Promise<void>) | undefined;

  constructor(private readonly inner: ObjectStore) {}

  async get(key: string): Promise<Readable> {
    this.gets += 1;
    await this.beforeGet?.();
    return this.inner.get(key);
  }

  put(key: string, body: Readable, options?: PutOptions): Promise<PutResult> {
    return this.inner.put(key, body, options);
  }

  head(key: string): Promise<ObjectInfo | null> {
    return this.inner.head(key);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  deleteByPrefix(prefix: string): Promise<number> {
    return this.inner.deleteByPrefix(prefix);
  }

  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}
