import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import type { ObjectStore } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashStream, randomBody, readAll, sha256Of } from "./random-body.js";

export interface ContractTarget {
  store: ObjectStore;
  /** Removes whatever the suite left behind. */
  cleanup(): Promise<void>;
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const MIB = 1024 * 1024;

/** Resolves to the AppError code a promise rejects with (fails the test if it resolves). */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  throw new Error("expected a rejection");
}

/**
 * Behaviour every ObjectStore adapter must share: the same suite runs against
 * the filesystem store and S3, so callers can switch between them blindly.
 * Every key lives under a per-run folder, so parallel runs do not meet.
 */
export function describeObjectStoreContract(name: string, setup: () => Promise<ContractTarget>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let target: ContractTarget;
    let store: ObjectStore;
    const run = `contract-${randomBytes(4).toString("hex")}`;

    beforeAll(async () => {
      target = await setup();
      store = target.store;
    });

    afterAll(async () => {
      if (target === undefined) return;
      try {
        await store.deleteByPrefix(`${run}/`);
      } finally {
        await target.cleanup();
      }
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("round-trips binary content and reports size and sha256", async () => {
      const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(4096)]);
      const key = `${run}/binary/a.bin`;
      const result = await store.put(key, Readable.from([data]));
      expect(result).toEqual({ key, size: data.length, sha256: sha256Of(data) });
      expect((await readAll(await store.get(key))).equals(data)).toBe(true);
    });

    it("stores an empty object", async () => {
      const key = `${run}/empty/nothing`;
      const result = await store.put(key, Readable.from([]), { sha256: EMPTY_SHA256, size: 0 });
      expect(result).toEqual({ key, size: 0, sha256: EMPTY_SHA256 });
      expect((await readAll(await store.get(key))).length).toBe(0);
      expect(await store.head(key)).toMatchObject({ key, size: 0, sha256: EMPTY_SHA256 });
    });

    it("streams a 20 MB object both ways (multipart on S3)", async () => {
      const body = randomBody(20 * MIB);
      const key = `${run}/large/twenty.bin`;
      const result = await store.put(key, body.stream);
      expect(result.size).toBe(20 * MIB);
      expect(result.sha256).toBe(body.sha256());
      expect(await hashStream(await store.get(key))).toEqual({ sha256: body.sha256(), size: 20 * MIB });
    }, 60_000);

    it("keeps a known sha256 as metadata, visible in head", async () => {
      const data = randomBytes(1000);
      const key = `${run}/meta/with-sha.bin`;
      await store.put(key, Readable.from([data]), { sha256: sha256Of(data), size: data.length });
      const info = await store.head(key);
      expect(info).toMatchObject({ key, size: 1000, sha256: sha256Of(data) });
      expect(info?.lastModified).toBeInstanceOf(Date);
    });

    it("without an expected sha256, returns the computed one (metadata may or may not hold it)", async () => {
      const data = randomBytes(1000);
      const key = `${run}/meta/without-sha.bin`;
      const result = await store.put(key, Readable.from([data]));
      expect(result.sha256).toBe(sha256Of(data));
      const info = await store.head(key);
      expect(info?.size).toBe(1000);
      expect([null, sha256Of(data)]).toContain(info?.sha256);
    });

    it("rejects a body whose sha256 differs and keeps nothing", async () => {
      const key = `${run}/bad-sha/a.bin`;
      const data = randomBytes(10_000);
      expect(
        await codeOf(store.put(key, Readable.from([data]), { sha256: sha256Of("something else") })),
      ).toBe("CHECKSUM_MISMATCH");
      expect(await store.head(key)).toBeNull();
      expect(await store.list(`${run}/bad-sha/`)).toEqual([]);
    });

    it("rejects a multipart-sized body whose sha256 differs and keeps nothing", async () => {
      const key = `${run}/bad-sha-large/a.bin`;
      const body = randomBody(18 * MIB);
      expect(await codeOf(store.put(key, body.stream, { sha256: EMPTY_SHA256 }))).toBe("CHECKSUM_MISMATCH");
      expect(await store.head(key)).toBeNull();
    }, 60_000);

    it("stops reading at maxBytes with PAYLOAD_TOO_LARGE and keeps nothing", async () => {
      const key = `${run}/too-large/a.bin`;
      const body = randomBody(1024 * MIB); // a gigabyte that must never be read in full
      expect(await codeOf(store.put(key, body.stream, { maxBytes: MIB }))).toBe("PAYLOAD_TOO_LARGE");
      // Read-ahead is bounded by stream buffers (and one S3 part), not by the body.
      expect(body.produced).toBeLessThan(MIB + 32 * MIB);
      expect(await store.head(key)).toBeNull();
    }, 60_000);

    it("accepts a body of exactly maxBytes", async () => {
      const key = `${run}/max-exact/a.bin`;
      const data = randomBytes(5000);
      await expect(store.put(key, Readable.from([data]), { maxBytes: 5000 })).resolves.toMatchObject({
        size: 5000,
      });
    });

    it("rejects a body longer or shorter than the expected size and keeps nothing", async () => {
      const data = randomBytes(11);
      expect(await codeOf(store.put(`${run}/size/long`, Readable.from([data]), { size: 10 }))).toBe(
        "SIZE_MISMATCH",
      );
      expect(await codeOf(store.put(`${run}/size/short`, Readable.from([data]), { size: 12 }))).toBe(
        "SIZE_MISMATCH",
      );
      expect(await store.head(`${run}/size/long`)).toBeNull();
      expect(await store.head(`${run}/size/short`)).toBeNull();
    });

    it("a failed overwrite keeps the previous object", async () => {
      const key = `${run}/keep/a.bin`;
      const first = randomBytes(3000);
      await store.put(key, Readable.from([first]), { sha256: sha256Of(first) });
      const second = randomBytes(3000);
      expect(await codeOf(store.put(key, Readable.from([second]), { sha256: EMPTY_SHA256 }))).toBe(
        "CHECKSUM_MISMATCH",
      );
      expect((await readAll(await store.get(key))).equals(first)).toBe(true);
      expect((await store.head(key))?.sha256).toBe(sha256Of(first));
    });

    it("passes on the error of a failing source body and keeps nothing", async () => {
      const key = `${run}/broken-source/a.bin`;
      const source = new PassThrough();
      source.write(randomBytes(1000));
      setTimeout(() => source.destroy(new Error("client went away")), 20);
      await expect(store.put(key, source)).rejects.toThrow("client went away");
      expect(await store.head(key)).toBeNull();
    });

    it("overwrites a key with new content and metadata", async () => {
      const key = `${run}/overwrite/a.bin`;
      const first = randomBytes(2000);
      const second = randomBytes(500);
      await store.put(key, Readable.from([first]), { sha256: sha256Of(first) });
      await store.put(key, Readable.from([second]), { sha256: sha256Of(second) });
      expect((await readAll(await store.get(key))).equals(second)).toBe(true);
      expect(await store.head(key)).toMatchObject({ size: 500, sha256: sha256Of(second) });
    });

    it("answers OBJECT_NOT_FOUND for a missing object and null from head", async () => {
      expect(await codeOf(store.get(`${run}/missing/nothing.zip`))).toBe("OBJECT_NOT_FOUND");
      expect(await store.head(`${run}/missing/nothing.zip`)).toBeNull();
      // A "folder" of other keys is not an object either.
      await store.put(`${run}/missing/folder/inner`, Readable.from([Buffer.from("x")]));
      expect(await codeOf(store.get(`${run}/missing/folder`))).toBe("OBJECT_NOT_FOUND");
      expect(await store.head(`${run}/missing/folder`)).toBeNull();
    });

    it("deletes idempotently", async () => {
      const key = `${run}/delete/a.bin`;
      await store.delete(key); // never existed
      await store.put(key, Readable.from([Buffer.from("bye")]));
      await store.delete(key);
      expect(await store.head(key)).toBeNull();
      await store.delete(key);
      expect(await codeOf(store.get(key))).toBe("OBJECT_NOT_FOUND");
    });

    it("deletes by prefix: counts, and only keys with that prefix", async () => {
      const base = `${run}/prefix`;
      const keys = [
        `${base}/p1/a.zip`,
        `${base}/p1/v/b.zip`,
        `${base}/p10/a.zip`,
        `${base}/p2/a.zip`,
        `${base}/p1x`,
      ];
      for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]));
      expect(await store.deleteByPrefix(`${base}/p1/`)).toBe(2);
      expect((await store.list(`${base}/`)).map((info) => info.key)).toEqual([
        `${base}/p10/a.zip`,
        `${base}/p1x`,
        `${base}/p2/a.zip`,
      ]);
      // A prefix is a plain string, as on S3: `p1` also matches `p10/` and `p1x`.
      expect(await store.deleteByPrefix(`${base}/p1`)).toBe(2);
      expect((await store.list(`${base}/`)).map((info) => info.key)).toEqual([`${base}/p2/a.zip`]);
      expect(await store.deleteByPrefix(`${base}/nothing-here/`)).toBe(0);
      expect(await codeOf(store.deleteByPrefix(""))).toBe("BAD_REQUEST");
    });

    it("deletes more objects by prefix than fit in one listing page", async () => {
      const base = `${run}/many`;
      const count = 1005;
      for (let start = 0; start < count; start += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, count - start) }, (_, i) =>
            store.put(`${base}/k${String(start + i).padStart(4, "0")}`, Readable.from([Buffer.from("x")])),
          ),
        );
      }
      expect((await store.list(`${base}/`)).length).toBe(count);
      expect(await store.deleteByPrefix(`${base}/`)).toBe(count);
      expect(await store.list(`${base}/`)).toEqual([]);
    }, 120_000);

    it("lists objects under a prefix, sorted, with sizes", async () => {
      const base = `${run}/list`;
      await store.put(`${base}/b/2.bin`, Readable.from([Buffer.alloc(2)]));
      await store.put(`${base}/a.bin`, Readable.from([Buffer.alloc(1)]));
      await store.put(`${base}/b/1.bin`, Readable.from([Buffer.alloc(3)]));
      await store.put(`${base}x/other.bin`, Readable.from([Buffer.alloc(4)]));
      const listed = await store.list(`${base}/`);
      expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([
        { key: `${base}/a.bin`, size: 1 },
        { key: `${base}/b/1.bin`, size: 3 },
        { key: `${base}/b/2.bin`, size: 2 },
      ]);
      expect(listed.every((info) => info.lastModified instanceof Date)).toBe(true);
      expect(await store.list(`${run}/list-nothing/`)).toEqual([]);
    });

    it("handles keys with spaces and unicode", async () => {
      const key = `${run}/unicode/dir with space/ünïcødé €/файл 1 +&=.zip`;
      const data = randomBytes(777);
      await store.put(key, Readable.from([data]), { sha256: sha256Of(data) });
      expect((await readAll(await store.get(key))).equals(data)).toBe(true);
      expect((await store.head(key))?.sha256).toBe(sha256Of(data));
      expect((await store.list(`${run}/unicode/dir with space/`)).map((info) => info.key)).toEqual([key]);
      expect(await store.deleteByPrefix(`${run}/unicode/dir with space/ünï`)).toBe(1);
      expect(await store.head(key)).toBeNull();
    });

    it("rejects unsafe keys with BAD_REQUEST", async () => {
      for (const key of [
        "",
        "../escape",
        `${run}/../../escape`,
        "/absolute",
        "back\\slash",
        "a//b",
        "trailing/",
        "nul\u0000",
      ]) {
        expect(await codeOf(store.put(key, Readable.from([Buffer.from("x")])))).toBe("BAD_REQUEST");
        expect(await codeOf(store.get(key))).toBe("BAD_REQUEST");
      }
    });
  });
}
