import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeObjectStoreContract } from "../testing/object-store-contract.js";
import { readAll } from "../testing/random-body.js";
import { type S3TestTarget, startS3TestTarget } from "../testing/s3-test-target.js";
import { S3ObjectStore, type S3ObjectStoreOptions } from "./s3-object-store.js";

let server: S3TestTarget;
const runPrefix = `arcade-storage-test-${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  server = await startS3TestTarget();
});

afterAll(async () => {
  if (server === undefined) return;
  const root = storeFor();
  try {
    // Everything this file wrote lives under runPrefix; nothing may remain.
    await root.deleteByPrefix(`${runPrefix}/`);
    expect(await root.list(`${runPrefix}/`)).toEqual([]);
  } finally {
    root.close();
    await server.stop();
  }
});

function storeFor(overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: server.endpoint,
    region: server.region,
    bucket: server.bucket,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    forcePathStyle: true,
    ...overrides,
  });
}

describeObjectStoreContract("s3", async () => {
  const store = storeFor({ keyPrefix: `${runPrefix}/contract` });
  return { store, cleanup: async () => store.close() };
});

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("S3ObjectStore against a real server", () => {
  it("keeps keys under its key prefix", async () => {
    const prefixed = storeFor({ keyPrefix: `${runPrefix}/prefixed` });
    const root = storeFor();
    await prefixed.put("a/b.bin", Readable.from([Buffer.from("hi")]));
    expect((await root.list(`${runPrefix}/prefixed/`)).map((info) => info.key)).toEqual([
      `${runPrefix}/prefixed/a/b.bin`,
    ]);
    expect((await prefixed.list("")).map((info) => info.key)).toEqual(["a/b.bin"]);
    expect((await readAll(await root.get(`${runPrefix}/prefixed/a/b.bin`))).toString()).toBe("hi");
    prefixed.close();
    root.close();
  });

  it("reports a stopped endpoint as STORAGE_UNAVAILABLE, retryable", async () => {
    const port = await closedPort();
    const down = storeFor({ endpoint: `http://127.0.0.1:${port}` });
    const calls: [string, () => Promise<unknown>][] = [
      ["ping", () => down.ping()],
      ["head", () => down.head("x/y")],
      ["get", () => down.get("x/y")],
      ["list", () => down.list("x/")],
      ["delete", () => down.delete("x/y")],
      ["deleteByPrefix", () => down.deleteByPrefix("x/")],
      ["put", () => down.put("x/y", Readable.from([randomBytes(1000)]))],
    ];
    for (const [name, call] of calls) {
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, name).toMatchObject({ code: "STORAGE_UNAVAILABLE", retryable: true, status: 503 });
    }
    down.close();
  });

  it("reports an unknown access key as STORAGE_ACCESS_DENIED, not retryable", async () => {
    const denied = storeFor({ accessKeyId: "NOT-A-KEY", secretAccessKey: "wrong" });
    const calls = [
      () => denied.ping(),
      () => denied.get(`${runPrefix}/x`),
      () => denied.put(`${runPrefix}/x`, Readable.from([])),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({ code: "STORAGE_ACCESS_DENIED", retryable: false });
    }
    denied.close();
  });

  it("reports a missing bucket on ping as STORAGE_UNAVAILABLE", async () => {
    const nowhere = storeFor({ bucket: `no-such-bucket-${randomBytes(3).toString("hex")}` });
    await expect(nowhere.ping()).rejects.toMatchObject({ code: "STORAGE_UNAVAILABLE" });
    nowhere.close();
  });
});
