import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createObjectStore } from "./create-object-store.js";
import { FsObjectStore } from "./fs/fs-object-store.js";
import { S3ObjectStore } from "./s3/s3-object-store.js";
import { readAll } from "./testing/random-body.js";

describe("createObjectStore", () => {
  it("builds a working filesystem store", async () => {
    const root = await mkdtemp(join(tmpdir(), "arcade-factory-"));
    try {
      const store = createObjectStore({ type: "filesystem", root });
      expect(store).toBeInstanceOf(FsObjectStore);
      await store.put("a/b", Readable.from([Buffer.from("ok")]));
      expect((await readAll(await store.get("a/b"))).toString()).toBe("ok");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("builds an S3 store from S3 options", () => {
    const store = createObjectStore({
      type: "s3",
      region: "us-east-1",
      bucket: "artifacts",
      endpoint: "http://127.0.0.1:9",
      forcePathStyle: true,
      keyPrefix: "arcade",
    });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect((store as S3ObjectStore).bucket).toBe("artifacts");
    (store as S3ObjectStore).close();
  });
});
