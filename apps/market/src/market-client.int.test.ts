import { createHash } from "node:crypto";
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError, SignaturePolicy, type SignatureSettings } from "@arcade/core";
import { MarketClient, type MarketClientOptions, type RetryEvent } from "@arcade/market";
import { generateSigningKey, signDigest } from "@arcade/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MarketServer, startMarketServer } from "./market-server.js";
import { generateSigner } from "./signing-key.js";
import { pluginZip, writePluginZip } from "./testing/plugin-zips.js";

const FAST_RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 50 };
const MiB = 1024 * 1024;

async function caught(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the promise to reject");
}

function thrownBy(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected an AppError");
}

const sha256Of = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

describe("MarketClient against the reference market", () => {
  let root: string;
  let zips: string;
  let work: string;
  let market: MarketServer;
  const signer = generateSigner();
  let fileCount = 0;
  const dest = () => join(work, `download-${++fileCount}.zip`);
  const retries: RetryEvent[] = [];

  function client(over: Partial<MarketClientOptions> = {}): MarketClient {
    return new MarketClient({
      baseUrl: market.url,
      platformVersion: "1.0.0",
      maxSize: 10 * MiB,
      requestTimeoutMs: 5_000,
      retry: FAST_RETRY,
      onRetry: (e) => retries.push(e),
      ...over,
    });
  }

  const marketTrust = (over: Partial<SignatureSettings> = {}) =>
    new SignaturePolicy({
      requireSignature: false,
      trustedKeys: [{ id: signer.keyId, publicKey: signer.publicKeyPem }],
      revokedKeys: [],
      ...over,
    });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "arcade-market-int-"));
    zips = join(root, "zips");
    work = join(root, "work");
    await mkdir(zips);
    await mkdir(work);
    await writePluginZip(zips, { name: "hello", version: "1.0.0", tags: ["greeting"] });
    await writePluginZip(zips, { name: "hello", version: "1.1.0", tags: ["greeting"] });
    await writePluginZip(zips, { name: "future", version: "1.0.0" });
    await writePluginZip(zips, { name: "future", version: "1.1.0", minVersion: "1.0.0" });
    await writePluginZip(zips, { name: "future", version: "2.0.0", minVersion: "2.0.0" });
    await writePluginZip(zips, { name: "tamper-me", version: "1.0.0" });
    await writePluginZip(zips, { name: "wrong-sha", version: "1.0.0" });
    await writePluginZip(zips, { name: "big", version: "1.0.0", padding: 256 * 1024 });
    market = await startMarketServer({ dir: zips, signer });
    expect(market.scan.skipped).toEqual([]);
  });

  afterAll(async () => {
    await market?.close();
    await rm(root, { recursive: true, force: true });
  });

  afterEach(() => {
    retries.length = 0;
  });

  it("downloads the latest version, checks its SHA-256 and hands on the market's signature", async () => {
    const file = dest();
    const got = await client().fetch({ marketId: "hello" }, file);
    const listed = market.catalog.findVersion("hello", "1.1.0")!;
    expect(got).toEqual({
      marketId: "hello",
      version: "1.1.0",
      size: listed.size,
      sha256: listed.sha256,
      signature: { keyId: signer.keyId, signature: listed.signature },
    });
    expect(await sha256Of(file)).toBe(listed.sha256);
    expect((await stat(file)).size).toBe(listed.size);
    // The worker's verify step: the market's key is trusted, so the signature holds.
    expect(marketTrust().check({ source: "market", sha256: got.sha256, signature: got.signature })).toBe(
      signer.keyId,
    );
    expect(retries).toEqual([]);
  });

  it("downloads exactly the version asked for", async () => {
    const got = await client().fetch({ marketId: "hello", version: "1.0.0" }, dest());
    expect(got.version).toBe("1.0.0");
  });

  it("answers MARKET_PLUGIN_NOT_FOUND for an unknown id, without retrying", async () => {
    const file = dest();
    const error = await caught(client().fetch({ marketId: "no-such-plugin" }, file));
    expect(error.code).toBe("MARKET_PLUGIN_NOT_FOUND");
    expect(error.retryable).toBe(false);
    expect(retries).toEqual([]);
    expect(await exists(file)).toBe(false);
  });

  it("answers MARKET_PLUGIN_NOT_FOUND for an unknown version, naming the published ones", async () => {
    const error = await caught(client().fetch({ marketId: "hello", version: "3.0.0" }, dest()));
    expect(error.code).toBe("MARKET_PLUGIN_NOT_FOUND");
    expect(error.detail).toContain("1.1.0, 1.0.0");
  });

  it("refuses an artifact changed after the catalog was made (CHECKSUM_MISMATCH)", async () => {
    const entry = market.catalog.findVersion("tamper-me", "1.0.0")!;
    // Flip one byte in place: same size, other content.
    const handle = await open(entry.file, "r+");
    try {
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, 40);
      byte[0] = byte[0]! ^ 0xff;
      await handle.write(byte, 0, 1, 40);
    } finally {
      await handle.close();
    }
    const file = dest();
    const error = await caught(client().fetch({ marketId: "tamper-me" }, file));
    expect(error.code).toBe("CHECKSUM_MISMATCH");
    expect(error.retryable).toBe(false);
    expect(await exists(file)).toBe(false);
  });

  it("refuses an artifact whose catalog SHA-256 is wrong (CHECKSUM_MISMATCH)", async () => {
    const entry = market.catalog.findVersion("wrong-sha", "1.0.0")!;
    entry.sha256 = createHash("sha256").update("something else").digest("hex");
    const error = await caught(client().fetch({ marketId: "wrong-sha" }, dest()));
    expect(error.code).toBe("CHECKSUM_MISMATCH");
    expect(error.message).toContain(entry.sha256);
  });

  it("refuses an artifact over the size limit, before and while downloading (PAYLOAD_TOO_LARGE)", async () => {
    const entry = market.catalog.findVersion("big", "1.0.0")!;
    expect(entry.size).toBeGreaterThan(256 * 1024);
    const small = client({ maxSize: 64 * 1024 });
    const file = dest();
    const listed = await caught(small.fetch({ marketId: "big" }, file));
    expect(listed.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await exists(file)).toBe(false);

    // The catalog understates the size: the limit still holds on what arrives.
    const real = entry.size;
    entry.size = 1000;
    try {
      const lied = await caught(small.fetch({ marketId: "big" }, file));
      expect(lied.code).toBe("PAYLOAD_TOO_LARGE");
      const roomy = await caught(client().fetch({ marketId: "big" }, file));
      expect(roomy.code).toBe("SIZE_MISMATCH");
      expect(await exists(file)).toBe(false);
    } finally {
      entry.size = real;
    }
  });

  it("resolves the latest version compatible with the platform (minPlatformVersion)", async () => {
    expect(await client({ platformVersion: "1.0.0" }).latestVersion("future")).toBe("1.1.0");
    expect(await client({ platformVersion: "0.9.0" }).latestVersion("future")).toBe("1.0.0");
    expect(await client({ platformVersion: "2.3.0" }).latestVersion("future")).toBe("2.0.0");
    const got = await client({ platformVersion: "1.0.0" }).fetch({ marketId: "future" }, dest());
    expect(got.version).toBe("1.1.0");
    const error = await caught(
      client({ platformVersion: "1.0.0" }).fetch({ marketId: "future", version: "2.0.0" }, dest()),
    );
    expect(error.code).toBe("PLATFORM_VERSION_UNSUPPORTED");
  });

  it("lists and searches the catalog", async () => {
    const all = await client().listCatalog();
    expect(all.items.map((i) => i.marketId)).toEqual(["big", "future", "hello", "tamper-me", "wrong-sha"]);
    expect(all.total).toBe(5);
    const found = await client().listCatalog({ q: "GREET" });
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ marketId: "hello", latestVersion: "1.1.0", pluginType: "custom" });
    const page = await client().listCatalog({ page: 2, pageSize: 2 });
    expect(page).toMatchObject({ total: 5, page: 2, pageSize: 2 });
    expect(page.items.map((i) => i.marketId)).toEqual(["hello", "tamper-me"]);
    const detail = await client().getPlugin("future");
    expect(detail.versions.map((v) => [v.version, v.minPlatformVersion])).toEqual([
      ["2.0.0", "2.0.0"],
      ["1.1.0", "1.0.0"],
      ["1.0.0", null],
    ]);
  });

  it("sends market.token to a market that asks for one", async () => {
    const guarded = await startMarketServer({ dir: zips, signer, token: "market-token-1" });
    try {
      const anonymous = new MarketClient({ baseUrl: guarded.url, platformVersion: "1.0.0", maxSize: MiB });
      const refused = await caught(anonymous.latestVersion("hello"));
      expect(refused.code).toBe("MARKET_UNAVAILABLE");
      expect(refused.detail).toContain("market.token");
      const withToken = new MarketClient({
        baseUrl: guarded.url,
        platformVersion: "1.0.0",
        maxSize: MiB,
        token: "market-token-1",
      });
      expect((await withToken.fetch({ marketId: "hello" }, dest())).version).toBe("1.1.0");
    } finally {
      await guarded.close();
    }
  });

  describe("when the market is down", () => {
    it("retries with backoff, then answers MARKET_UNAVAILABLE (retryable)", async () => {
      const down = await startMarketServer({ dir: zips, signer });
      const url = down.url;
      await down.close();
      const file = dest();
      const error = await caught(
        new MarketClient({
          baseUrl: url,
          platformVersion: "1.0.0",
          maxSize: MiB,
          retry: FAST_RETRY,
          onRetry: (e) => retries.push(e),
        }).fetch({ marketId: "hello" }, file),
      );
      expect(error.code).toBe("MARKET_UNAVAILABLE");
      expect(error.retryable).toBe(true);
      expect(error.message).toContain("ECONNREFUSED");
      expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
      expect(await exists(file)).toBe(false);
    });

    it("succeeds when the market comes back within the retry window", async () => {
      const first = await startMarketServer({ dir: zips, signer });
      const port = first.port;
      await first.close();
      let back: Promise<MarketServer> | undefined;
      const c = new MarketClient({
        baseUrl: first.url,
        platformVersion: "1.0.0",
        maxSize: MiB,
        retry: { attempts: 6, baseDelayMs: 100, maxDelayMs: 400 },
        // The market restarts as soon as the client has seen it down once.
        onRetry: (e) => {
          retries.push(e);
          back ??= startMarketServer({ dir: zips, signer, port });
        },
      });
      try {
        const got = await c.fetch({ marketId: "hello" }, dest());
        expect(got.version).toBe("1.1.0");
        expect(retries.length).toBeGreaterThanOrEqual(1);
      } finally {
        await (await back)?.close();
      }
    });
  });

  describe("signatures of market artifacts", () => {
    let publisherMarket: MarketServer;
    const publisher = generateSigningKey();
    const stranger = generateSigningKey();

    beforeAll(async () => {
      const dir = join(root, "publisher-zips");
      await mkdir(dir);
      const keyFile = join(root, "publisher.key.pem");
      const strangerFile = join(root, "stranger.key.pem");
      await writeFile(keyFile, publisher.privateKeyPem);
      await writeFile(strangerFile, stranger.privateKeyPem);
      // Signed by the publisher with the SDK, as `arcade-plugin pack --sign` does.
      for (const [name, key, keyId] of [
        ["signed", keyFile, undefined],
        ["forged", strangerFile, publisher.keyId],
      ] as const) {
        const file = await writePluginZip(dir, { name, version: "1.0.0" });
        const sig = await signDigest(await sha256Of(file), key, keyId);
        await writeFile(`${file}.sig.json`, JSON.stringify(sig));
      }
      publisherMarket = await startMarketServer({ dir, signer });
      expect(publisherMarket.scan.skipped).toEqual([]);
    });

    afterAll(() => publisherMarket?.close());

    const fetchFrom = (marketId: string) =>
      new MarketClient({ baseUrl: publisherMarket.url, platformVersion: "1.0.0", maxSize: MiB }).fetch(
        { marketId },
        dest(),
      );

    it("serves a publisher's own signature, which verifies once its key is trusted", async () => {
      const got = await fetchFrom("signed");
      expect(got.signature?.keyId).toBe(publisher.keyId);
      const subject = { source: "market" as const, sha256: got.sha256, signature: got.signature };
      expect(thrownBy(() => marketTrust().check(subject)).code).toBe("KEY_UNTRUSTED");
      const trusting = marketTrust({
        trustedKeys: [{ id: publisher.keyId, publicKey: publisher.publicKeyBase64 }],
      });
      expect(trusting.check(subject)).toBe(publisher.keyId);
      const revoking = marketTrust({
        trustedKeys: [{ id: publisher.keyId, publicKey: publisher.publicKeyBase64 }],
        revokedKeys: [publisher.keyId],
      });
      expect(thrownBy(() => revoking.check(subject)).code).toBe("KEY_REVOKED");
    });

    it("a signature made with another key under a trusted id is SIGNATURE_INVALID", async () => {
      const got = await fetchFrom("forged");
      const trusting = marketTrust({
        trustedKeys: [{ id: publisher.keyId, publicKey: publisher.publicKeyPem }],
      });
      const error = thrownBy(() =>
        trusting.check({ source: "market", sha256: got.sha256, signature: got.signature }),
      );
      expect(error.code).toBe("SIGNATURE_INVALID");
    });

    it("an unsigned market artifact is SIGNATURE_MISSING", async () => {
      const entry = publisherMarket.catalog.findVersion("signed", "1.0.0")!;
      const saved = { signature: entry.signature, keyId: entry.keyId };
      entry.signature = null;
      entry.keyId = null;
      try {
        const got = await fetchFrom("signed");
        expect(got.signature).toBeNull();
        const error = thrownBy(() =>
          marketTrust().check({ source: "market", sha256: got.sha256, signature: null }),
        );
        expect(error.code).toBe("SIGNATURE_MISSING");
      } finally {
        Object.assign(entry, saved);
      }
    });
  });

  describe("against a market that misbehaves on the wire", () => {
    let server: Server;
    let base: string;
    let zip: Buffer;
    let downloads = 0;

    beforeAll(async () => {
      zip = await pluginZip({ name: "flaky", version: "1.0.0", padding: 64 * 1024 });
      const sha256 = createHash("sha256").update(zip).digest("hex");
      server = createServer((req, res) => {
        if (req.url === "/v1/plugins/flaky") {
          res.setHeader("content-type", "application/json");
          res.end(
            JSON.stringify({
              marketId: "flaky",
              name: "flaky",
              versions: [
                {
                  version: "1.0.0",
                  size: zip.length,
                  sha256,
                  signature: null,
                  keyId: null,
                  downloadUrl: "v1/plugins/flaky/versions/1.0.0/download",
                  publishedAt: new Date(0).toISOString(),
                  minPlatformVersion: null,
                },
              ],
            }),
          );
          return;
        }
        if (req.url === "/v1/plugins/flaky/versions/1.0.0/download") {
          downloads += 1;
          res.writeHead(200, { "content-type": "application/zip", "content-length": String(zip.length) });
          if (downloads === 1) {
            // Half the artifact, then the connection drops.
            res.write(zip.subarray(0, zip.length / 2), () => res.destroy());
            return;
          }
          if (downloads === 2) {
            res.destroy();
            return;
          }
          res.end(zip);
          return;
        }
        if (req.url === "/v1/plugins/chunky") {
          // Understates the size; the download below comes chunked, with no length to check up front.
          res.setHeader("content-type", "application/json");
          res.end(
            JSON.stringify({
              marketId: "chunky",
              name: "chunky",
              versions: [
                {
                  version: "1.0.0",
                  size: 1000,
                  sha256,
                  signature: null,
                  keyId: null,
                  downloadUrl: `${base}v1/plugins/chunky/download`,
                  publishedAt: new Date(0).toISOString(),
                  minPlatformVersion: null,
                },
              ],
            }),
          );
          return;
        }
        if (req.url === "/v1/plugins/chunky/download") {
          res.writeHead(200, { "content-type": "application/zip", "transfer-encoding": "chunked" });
          for (let at = 0; at < zip.length; at += 4096) res.write(zip.subarray(at, at + 4096));
          res.end();
          return;
        }
        if (req.url === "/v1/plugins/busy") {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });

    afterAll(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );

    it("retries a download cut off midway and then succeeds", async () => {
      const file = dest();
      const got = await new MarketClient({
        baseUrl: base,
        platformVersion: "1.0.0",
        maxSize: MiB,
        retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 50 },
        onRetry: (e) => retries.push(e),
      }).fetch({ marketId: "flaky" }, file);
      expect(got.signature).toBeNull();
      expect(downloads).toBe(3);
      expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
      expect(await readFile(file)).toEqual(zip);
    });

    it("stops a download without a length as soon as it passes the limit or the catalog's size", async () => {
      const file = dest();
      const options = { baseUrl: base, platformVersion: "1.0.0", retry: FAST_RETRY };
      const tight = await caught(
        new MarketClient({ ...options, maxSize: 2000 }).fetch({ marketId: "chunky" }, file),
      );
      expect(tight.code).toBe("PAYLOAD_TOO_LARGE");
      const roomy = await caught(
        new MarketClient({ ...options, maxSize: MiB }).fetch({ marketId: "chunky" }, file),
      );
      expect(roomy.code).toBe("SIZE_MISMATCH");
      expect(await exists(file)).toBe(false);
      expect(retries).toEqual([]);
    });

    it("treats 503 as transient: retried, then MARKET_UNAVAILABLE", async () => {
      const error = await caught(
        new MarketClient({
          baseUrl: base,
          platformVersion: "1.0.0",
          maxSize: MiB,
          retry: FAST_RETRY,
          onRetry: (e) => retries.push(e),
        }).latestVersion("busy"),
      );
      expect(error.code).toBe("MARKET_UNAVAILABLE");
      expect(error.message).toContain("503");
      expect(retries).toHaveLength(2);
    });
  });
});
