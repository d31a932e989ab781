import type { ObjectStore } from "@arcade/core";
import { FsObjectStore } from "./fs/fs-object-store.js";
import { S3ObjectStore, type S3ObjectStoreOptions } from "./s3/s3-object-store.js";

export type ObjectStoreOptions =
  | { type: "filesystem"; root: string }
  | ({ type: "s3" } & S3ObjectStoreOptions);

/** Builds the configured object store (for composition roots). */
export function createObjectStore(options: ObjectStoreOptions): ObjectStore {
  switch (options.type) {
    case "filesystem":
      return new FsObjectStore({ root: options.root });
    case "s3": {
      const { type: _type, ...s3 } = options;
      return new S3ObjectStore(s3);
    }
  }
}
