import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { loadConfig } from "@arcade/config";
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../faults/support/probes.js";
import {
  type ApiHandle,
  buildExamplePlugin,
  missingServices,
  motoTarget,
  type Platform,
  REPO_ROOT,
  skipReason,
  usePlatform,
} from "../harness/index.js";
import { clusterNodes, pluginOnNode } from "../runtime/node-api.js";

// Issue 13, on a running platform (2 API nodes + 1 worker, SQLite, S3 on moto, which checks
// every request against the caller's IAM policies): the API's upload staging and the worker
// write with the writer key; each runtime node fetches artifacts with
// storage.s3_reader_access_key_id, a key allowed s3:GetObject and s3:ListBucket only. The nodes
// still load what is installed; that key (as the node process loads it from its configuration)
// is refused every write and delete of a real artifact, which stays as it was; and a node given
// a wrong reader key cannot load the plugin, so the nodes really fetch with that key.

const base = missingServices({ database: "sqlite", storage: "fs" });
const moto = motoTarget();
const TAMPERED = "0".repeat(64);

/** Why the run has no moto, as precisely as this machine can say. */
function motoMissing(): string {
  const probe = spawnSync("python3", ["-c", "import moto, flask, boto3"], { encoding: "utf8" });
  const why = probe.error
    ? `python3 cannot run (${probe.error.message})`
    : probe.status !== 0
      ? `python3 -c "import moto, flask, boto3" fails: ${probe.stderr.trim().split("\n").at(-1)}`
      : "moto imports, but infra/services/moto.sh did not start (see moto/moto.log in the services folder)";
  return (
    `ARCADE_TEST_MOTO_* not set: ${why}. This suite needs moto's S3 server, which enforces IAM ` +
    "(s3rver has one key and no policies); infra/services/all.sh starts it from the machine's Python."
  );
}

function s3Client(endpoint: string, key: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: key,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** The reader key exactly as the node process reads it: its environment through @arcade/config. */
function nodeReaderKey(api: ApiHandle): { accessKeyId: string; secretAccessKey: string } {
  const { storage } = loadConfig({ env: api.process.env, cwd: REPO_ROOT });
  if (storage.s3ReaderAccessKeyId === undefined || storage.s3ReaderSecretAccessKey === undefined) {
    throw new Error(`${api.process.name} has no storage.s3_reader_* key`);
  }
  return { accessKeyId: storage.s3ReaderAccessKeyId, secretAccessKey: storage.s3ReaderSecretAccessKey };
}

async function refused(attempt: Promise<unknown>): Promise<string> {
  const error = (await attempt.then(
    () => null,
    (e: unknown) => e,
  )) as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (error === null) throw new Error("the request was accepted: this key can change the store");
  return `${error.name} ${error.$metadata?.httpStatusCode}`;
}

async function invoke(p: Platform, pluginId: string, apiIndex: number) {
  return p.call<{ code?: string }>(
    "POST",
    `/api/v1/plugins/${pluginId}/actions/send`,
    { params: { message: "fetched with the reader key" } },
    { apiIndex },
  );
}

describe.skipIf(base.length > 0)(
  `runtime nodes fetch artifacts with a read-only object-store key${base.length ? ` (${skipReason(base)})` : ""}`,
  () => {
    if (!moto) {
      it("needs moto's S3 server, which enforces IAM", () => {
        throw new Error(motoMissing());
      });
      return;
    }
    const { writer, reader } = moto;
    const platform = usePlatform({
      label: "object-store-reader",
      apis: 2,
      workers: 1,
      database: "sqlite",
      storage: "s3",
      s3: writer,
      // The API processes are the runtime nodes; the worker never gets the reader key.
      apiEnv: {
        ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID: reader.accessKeyId,
        ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY: reader.secretAccessKey,
      },
    });
    const asWriter = s3Client(writer.endpoint, writer);
    const clients: S3Client[] = [asWriter];
    afterAll(() => {
      for (const c of clients) c.destroy();
    });
    let pluginId = "";
    let checksum = "";

    it("an install succeeds and both nodes load the plugin, fetched with the read-only key", async () => {
      const p = platform();
      const accepted = await p.installZip(await buildExamplePlugin("notify-stdout"));
      const job = await p.waitJob(accepted.body.jobId);
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      pluginId = job.pluginId ?? "";
      checksum = String(job.result?.checksum ?? "");
      for (const apiIndex of [0, 1]) {
        const call = await waitFor(`api-${apiIndex} serves the plugin`, async () => {
          const res = await invoke(p, pluginId, apiIndex);
          return res.status === 200 ? res : undefined;
        });
        expect(call.status).toBe(200);
      }
      // Neither node fell back to the shared key.
      for (const api of p.apis)
        expect(await api.output()).not.toContain("s3_reader_access_key_id is not set");
    }, 120_000);

    it("the node's key is refused every write and delete of the stored artifact, which stays as it was", async () => {
      const p = platform();
      const keyPrefix = p.resources.s3?.keyPrefix ?? "";
      const keys = await p.listObjects(`plugins/${pluginId}/`);
      expect(keys).toHaveLength(1);
      const Key = keyPrefix + keys[0]!;
      const Bucket = writer.bucket;
      const before = await asWriter.send(new HeadObjectCommand({ Bucket, Key }));

      const asNode = s3Client(writer.endpoint, nodeReaderKey(p.apis[0]!));
      clients.push(asNode);
      expect(await refused(asNode.send(new PutObjectCommand({ Bucket, Key, Body: "tampered" })))).toBe(
        "AccessDenied 403",
      );
      expect(await refused(asNode.send(new DeleteObjectCommand({ Bucket, Key })))).toBe("AccessDenied 403");
      // A batch delete answers 200 and lists each refused key.
      const batch = await asNode.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key }] } }));
      expect(batch.Deleted ?? []).toEqual([]);
      expect(batch.Errors).toEqual([expect.objectContaining({ Key, Code: "AccessDenied" })]);
      // Copying an object onto itself rewrites its metadata (the sha256 the nodes do not trust anyway).
      const copy = new CopyObjectCommand({
        Bucket,
        Key,
        CopySource: `${Bucket}/${Key}`,
        MetadataDirective: "REPLACE",
        Metadata: { sha256: TAMPERED },
      });
      expect(await refused(asNode.send(copy))).toBe("AccessDenied 403");
      expect(await refused(asNode.send(new CreateMultipartUploadCommand({ Bucket, Key })))).toBe(
        "AccessDenied 403",
      );

      // Reading is what the key is for; the bytes are still the installed ones.
      const got = await asNode.send(new GetObjectCommand({ Bucket, Key }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(checksum);
      const after = await asWriter.send(new HeadObjectCommand({ Bucket, Key }));
      expect(after.ETag).toBe(before.ETag);
      expect(after.LastModified).toEqual(before.LastModified);
      expect(after.Metadata).toEqual(before.Metadata);
      expect(await p.listObjects(`plugins/${pluginId}/`)).toEqual(keys);
    }, 60_000);

    it("a node given a wrong reader key cannot load the plugin: the nodes really fetch with it", async () => {
      const p = platform();
      const api = p.apis[1]!;
      // A fresh cache: the node must fetch the artifact again, not unpack the zip it holds.
      await api.restart({
        env: {
          ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY: `${reader.secretAccessKey}-wrong`,
          ARCADE_PLUGIN_LOCAL_CACHE_DIR: join(p.runDir, "cache", "api-1-wrong-key"),
        },
      });
      const state = await waitFor(
        "api-1 reports the plugin failed to load",
        async () => {
          const s = pluginOnNode(await clusterNodes(p), api.nodeId, pluginId);
          return s?.state === "error" ? s : undefined;
        },
        { timeoutMs: 60_000, describe: async () => JSON.stringify(await clusterNodes(p)) },
      );
      // moto answers a wrong secret with SignatureDoesNotMatch ("the request signature ... does not match").
      expect(state.error).toMatch(/unavailable: S3 get of .+ failed: .*signature/i);
      const call = await invoke(p, pluginId, 1);
      expect(call.status).toBe(409);
      expect(call.body.code).toBe("PLUGIN_NOT_LOADED");
      expect((await invoke(p, pluginId, 0)).status).toBe(200);

      // The right key on the same fresh start loads it again: the key was the only difference.
      await api.restart({
        env: { ARCADE_PLUGIN_LOCAL_CACHE_DIR: join(p.runDir, "cache", "api-1-right-key") },
      });
      await waitFor(
        "api-1 serves the plugin again",
        async () => ((await invoke(p, pluginId, 1)).status === 200 ? true : undefined),
        { timeoutMs: 60_000 },
      );
    }, 240_000);
  },
);
