import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobPayloads } from "@arcade/contracts";
import { type JobRecord, parseEd25519PrivateKey, SignaturePolicy, signSha256Hex } from "@arcade/core";
import { MarketClient, type RetryEvent } from "@arcade/market";
import type { MarketSigningKey } from "./market-process.js";
import type { Pipeline } from "./pipeline.js";
import { manifestOf, pluginZip } from "./plugin-zip.js";

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A scratch folder for the market's zips. */
export async function marketDir(): Promise<string> {
  const base = process.env.ARCADE_TEST_DATA_DIR || tmpdir();
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, "market-zips-"));
}

/** Writes `<name>-<version>.zip` (a valid custom plugin) into the market folder; returns its bytes and path. */
export async function publish(
  dir: string,
  name: string,
  version: string,
  extra: Record<string, unknown> = {},
): Promise<{ zip: Buffer; file: string }> {
  const zip = await pluginZip(manifestOf(name, version, extra));
  const file = join(dir, `${name}-${version}.zip`);
  await writeFile(file, zip);
  return { zip, file };
}

/** The `.sig.json` that `arcade-plugin pack --sign` writes beside a zip, signed by `by` but claiming `keyId`. */
export async function writeSignatureFile(
  file: string,
  zip: Buffer,
  by: MarketSigningKey,
  keyId = by.keyId,
): Promise<void> {
  const digest = sha256(zip);
  const signature = signSha256Hex(digest, parseEd25519PrivateKey(by.privateKeyPem)!);
  await writeFile(
    `${file}.sig.json`,
    JSON.stringify({ keyId, algorithm: "ed25519", sha256: digest, signature }),
  );
}

/** A detached signature of `zip` by `key`, as the API puts it in the staged artifact. */
export function detachedSignature(zip: Buffer, key: MarketSigningKey) {
  return {
    keyId: key.keyId,
    signature: signSha256Hex(sha256(zip), parseEd25519PrivateKey(key.privateKeyPem)!),
  };
}

/** Fast retries, so a market that is down costs milliseconds per try. */
export function marketClient(
  baseUrl: string,
  options: { attempts?: number; onRetry?: (event: RetryEvent) => void; platformVersion?: string } = {},
): MarketClient {
  return new MarketClient({
    baseUrl,
    platformVersion: options.platformVersion ?? "1.0.0",
    maxSize: 50 * 1024 * 1024,
    requestTimeoutMs: 5_000,
    retry: { attempts: options.attempts ?? 2, baseDelayMs: 10, maxDelayMs: 20 },
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
}

/** A policy that trusts `keys` (and revokes `revoked`). */
export function trusting(
  keys: MarketSigningKey[],
  options: { revoked?: string[]; requireSignature?: boolean } = {},
): SignaturePolicy {
  return new SignaturePolicy({
    requireSignature: options.requireSignature ?? false,
    trustedKeys: keys.map((k) => ({ id: k.keyId, publicKey: k.publicKeyPem })),
    revokedKeys: options.revoked ?? [],
  });
}

/** Submits an install with source=market (as the API does) and waits for it to finish. */
export async function marketInstall(p: Pipeline, marketId: string, version?: string): Promise<JobRecord> {
  const jobId = await p.submit("install", {
    requestedBy: "worker-tests",
    artifact: { source: "market", marketId, ...(version ? { version } : {}) },
  });
  return p.finished(jobId);
}

export async function marketUpdate(
  p: Pipeline,
  pluginId: string,
  marketId: string,
  version?: string,
): Promise<JobRecord> {
  const payload: JobPayloads["update"] = {
    requestedBy: "worker-tests",
    pluginId,
    artifact: { source: "market", marketId, ...(version ? { version } : {}) },
  };
  const jobId = await p.submit("update", payload, { jobId: randomUUID() });
  return p.finished(jobId);
}

/** A loopback port that nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
