import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@arcade/config";
import { afterAll, describe, expect, it } from "vitest";
import { objectStoreOptions, readerObjectStoreOptions } from "./object-store-options.js";

const dir = mkdtempSync(join(tmpdir(), "arcade-storeopts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const load = (env: Record<string, string>) => loadConfig({ env, cwd: dir });
const S3 = {
  ARCADE_STORAGE_TYPE: "s3",
  ARCADE_STORAGE_S3_ENDPOINT: "http://minio:9000",
  ARCADE_STORAGE_S3_BUCKET: "arcade",
  ARCADE_STORAGE_S3_ACCESS_KEY_ID: "writer-id",
  ARCADE_STORAGE_S3_SECRET_ACCESS_KEY: "writer-secret",
};
const READER = {
  ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID: "reader-id",
  ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY: "reader-secret",
};

describe("object store options from the configuration", () => {
  it("the API and worker use the shared key, reader key or not", () => {
    expect(objectStoreOptions(load({ ...S3, ...READER }))).toMatchObject({
      type: "s3",
      endpoint: "http://minio:9000",
      bucket: "arcade",
      accessKeyId: "writer-id",
      secretAccessKey: "writer-secret",
    });
  });

  it("a node fetches with the reader key: same endpoint, bucket and prefix, no warning", () => {
    const config = load({ ...S3, ...READER, ARCADE_STORAGE_S3_KEY_PREFIX: "arcade/" });
    const { options, warning } = readerObjectStoreOptions(config);
    expect(warning).toBeNull();
    expect(options).toEqual({
      ...objectStoreOptions(config),
      accessKeyId: "reader-id",
      secretAccessKey: "reader-secret",
    });
  });

  it("without a reader key a node falls back to the shared key and says so", () => {
    const { options, warning } = readerObjectStoreOptions(load(S3));
    expect(options).toMatchObject({ accessKeyId: "writer-id", secretAccessKey: "writer-secret" });
    expect(warning).toMatch(/storage\.s3_reader_access_key_id is not set/);
    expect(warning).not.toContain("writer-secret");
  });

  it("the filesystem store has no keys to split: the same folder, no warning", () => {
    const config = load({});
    expect(readerObjectStoreOptions(config)).toEqual({ options: objectStoreOptions(config), warning: null });
  });
});
