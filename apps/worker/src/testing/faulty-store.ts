import type { Readable } from "node:stream";
import { AppError, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult } from "@arcade/core";

/**
 * Test double of our own ObjectStore port: delegates to a real store, but the
 * first `failPuts` puts fail with STORAGE_UNAVAILABLE (before anything is
 * written), deletes of keys in `failDeletes` fail likewise, and `beforePut`
 * can hold a put (to catch a job mid-step).
 */
export class FaultyObjectStore implements ObjectStore {
  failPuts = 0;
  readonly failDeletes = new Set<string>();
  beforePut: ((key: string) => Promise<void>) | null = null;
  puts = 0;

  constructor(private readonly inner: ObjectStore) {}

  async put(key: string, body: Readable, options?: PutOptions): Promise<PutResult> {
    this.puts++;
    if (this.failPuts > 0) {
      this.failPuts--;
      body.destroy();
      throw new AppError("STORAGE_UNAVAILABLE", `injected fault: put ${key}`);
    }
    await this.beforePut?.(key);
    return this.inner.put(key, body, options);
  }

  get(key: string): Promise<Readable> {
    return this.inner.get(key);
  }

  head(key: string): Promise<ObjectInfo | null> {
    return this.inner.head(key);
  }

  async delete(key: string): Promise<void> {
    if (this.failDeletes.has(key)) throw new AppError("STORAGE_UNAVAILABLE", `injected fault: delete ${key}`);
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
