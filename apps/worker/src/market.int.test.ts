import { readFile, writeFile } from "node:fs/promises";
import type { ErrorCode } from "@arcade/contracts";
import { PluginStatus } from "@arcade/contracts";
import { slugify } from "@arcade/core";
import type { RetryEvent } from "@arcade/market";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import { leftovers, snapshot } from "./testing/leftovers.js";
import {
  closedPort,
  detachedSignature,
  marketClient,
  marketDir,
  marketInstall,
  marketUpdate,
  publish,
  removeDir,
  sha256,
  trusting,
  writeSignatureFile,
} from "./testing/market-fixture.js";
import { MarketProcess, type MarketSigningKey, newSigningKey } from "./testing/market-process.js";
import { MarketProxy } from "./testing/market-proxy.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

// source=market end to end on the worker: the real reference market (apps/market, its own
// process) over a folder of zips, a real MarketClient, a real SignaturePolicy. A proxy in front
// of the market serves what a broken or hostile market would (wrong SHA-256, no signature) and
// plays a market that is down.

const names = {
  ok: uniqueName("mkt-ok"),
  victim: uniqueName("mkt-victim"),
  tamper: uniqueName("mkt-tamper"),
  forged: uniqueName("mkt-forged"),
  publisher: uniqueName("mkt-publisher"),
  flaky: uniqueName("mkt-flaky"),
};
const id = (name: string) => slugify(name);

let dir: string;
let market: MarketProcess;
let proxy: MarketProxy;
const publisher = newSigningKey();
const stranger = newSigningKey();
const zips: Record<string, Buffer> = {};
let tamperFile: string;

beforeAll(async () => {
  dir = await marketDir();
  const marketKey = newSigningKey();
  zips.ok100 = (await publish(dir, names.ok, "1.0.0")).zip;
  zips.ok110 = (await publish(dir, names.ok, "1.1.0")).zip;
  // Needs a newer platform: never the default, refused when asked for.
  zips.ok200 = (await publish(dir, names.ok, "2.0.0", { minVersion: "9.0.0" })).zip;
  zips.victim = (await publish(dir, names.victim, "1.0.0")).zip;
  const tamper = await publish(dir, names.tamper, "1.0.0");
  zips.tamper = tamper.zip;
  tamperFile = tamper.file;
  // A publisher signature under the market's key id, made with another key: it does not verify.
  const forged = await publish(dir, names.forged, "1.0.0");
  await writeSignatureFile(forged.file, forged.zip, stranger, marketKey.keyId);
  // Signed by its publisher: the market publishes that signature instead of its own.
  const signed = await publish(dir, names.publisher, "1.0.0");
  zips.publisher = signed.zip;
  await writeSignatureFile(signed.file, signed.zip, publisher);
  zips.flaky = (await publish(dir, names.flaky, "1.0.0")).zip;
  market = await MarketProcess.start(dir, marketKey);
  proxy = await MarketProxy.start(market.url);
});

afterAll(async () => {
  await proxy?.close();
  await market?.stop();
  await removeDir(dir);
});

describeOnBackends("market installs", { attempts: 3, backoffMs: 50 }, (pipeline) => {
  afterEach(() => {
    const p = pipeline();
    p.services.market = null;
    delete p.services.signatures;
    proxy.reset();
  });

  /** The worker with a market client (through the proxy by default) and a signature policy. */
  function use(p: Pipeline, options: { keys?: MarketSigningKey[]; revoked?: string[]; base?: string } = {}) {
    p.services.market = marketClient(options.base ?? proxy.url);
    p.services.signatures = trusting(options.keys ?? [market.key], {
      ...(options.revoked ? { revoked: options.revoked } : {}),
    });
  }

  async function expectRejected(p: Pipeline, marketId: string, name: string, code: ErrorCode) {
    const before = await snapshot(p);
    const op = await marketInstall(p, marketId);
    expect(op.state).toBe("failed");
    expect(op.error?.code).toBe(code);
    expect(await leftovers(p, op, name, before)).toEqual([]);
    return op;
  }

  it("installs the latest compatible version, signed by the market's key", async () => {
    const p = pipeline();
    use(p);
    const op = await marketInstall(p, id(names.ok));

    expect(op.error).toBeNull();
    expect(op.state).toBe("succeeded");
    expect(op.attempts).toBe(1);
    expect(op.steps.map((s) => [s.name, s.state])).toEqual(
      ["fetch", "verify", "inspect", "store", "persist", "activate", "cleanup"].map((n) => [n, "succeeded"]),
    );
    // 2.0.0 needs platform 9.0.0: the default is the newest one this platform runs.
    expect(op.result).toMatchObject({
      version: "1.1.0",
      checksum: sha256(zips.ok110!),
      signedBy: market.key.keyId,
    });
    const plugin = await p.database.plugins.findById(op.pluginId!);
    expect(plugin).toMatchObject({
      name: names.ok,
      version: "1.1.0",
      source: "market",
      marketId: id(names.ok),
      checksum: sha256(zips.ok110!),
      isEnabled: PluginStatus.Enabled,
    });
    const versions = await p.database.plugins.versions(op.pluginId!);
    expect(versions.map((v) => [v.version, v.size])).toEqual([["1.1.0", zips.ok110!.length]]);
    expect(await p.resources.store.head(versions[0]!.objectKey)).toMatchObject({
      sha256: sha256(zips.ok110!),
    });
    expect(await p.objects("staging/")).toEqual([]);
  });

  it("installs exactly the version asked for, and updates from the market to the latest", async () => {
    const p = pipeline();
    use(p);
    // Another platform's worth of names: uninstall the one the test above installed.
    const existing = await p.database.plugins.findByName(names.ok);
    if (existing) expect((await p.apply("uninstall", { pluginId: existing.pluginId })).error).toBeNull();

    const op = await marketInstall(p, id(names.ok), "1.0.0");
    expect(op.error).toBeNull();
    expect(op.result).toMatchObject({ version: "1.0.0", checksum: sha256(zips.ok100!) });

    const up = await marketUpdate(p, op.pluginId!, id(names.ok));
    expect(up.error).toBeNull();
    expect(up.result).toMatchObject({ version: "1.1.0", signedBy: market.key.keyId });
    expect(await p.database.plugins.findById(op.pluginId!)).toMatchObject({
      version: "1.1.0",
      source: "market",
    });
    expect((await p.database.plugins.versions(op.pluginId!)).map((v) => v.version).sort()).toEqual([
      "1.0.0",
      "1.1.0",
    ]);

    const tooNew = await marketUpdate(p, op.pluginId!, id(names.ok), "2.0.0");
    expect(tooNew.error?.code).toBe("PLATFORM_VERSION_UNSUPPORTED");
    expect(await p.database.plugins.findById(op.pluginId!)).toMatchObject({ version: "1.1.0" });
    const missing = await marketUpdate(p, op.pluginId!, id(names.ok), "7.7.7");
    expect(missing.error?.code).toBe("MARKET_PLUGIN_NOT_FOUND");
  });

  it("installs with the publisher's own signature when the market publishes one", async () => {
    const p = pipeline();
    use(p, { keys: [market.key, publisher] });
    const op = await marketInstall(p, id(names.publisher));
    expect(op.error).toBeNull();
    expect(op.result).toMatchObject({ version: "1.0.0", signedBy: publisher.keyId });
  });

  it("a zip changed after the market scanned it: CHECKSUM_MISMATCH (same size) or SIZE_MISMATCH", async () => {
    const p = pipeline();
    use(p);
    const original = await readFile(tamperFile);
    try {
      const flipped = Buffer.from(original);
      const at = Math.floor(flipped.length / 2);
      flipped[at] = flipped[at]! ^ 0xff;
      await writeFile(tamperFile, flipped);
      const op = await expectRejected(p, id(names.tamper), names.tamper, "CHECKSUM_MISMATCH");
      expect(op.attempts).toBe(1);

      await writeFile(tamperFile, Buffer.concat([original, Buffer.from("trailing bytes")]));
      await expectRejected(p, id(names.tamper), names.tamper, "SIZE_MISMATCH");
    } finally {
      await writeFile(tamperFile, original);
    }
    // Restored, the same artifact installs: nothing of the failed tries was in the way.
    const op = await marketInstall(p, id(names.tamper));
    expect(op.error).toBeNull();
    expect(op.result).toMatchObject({ checksum: sha256(zips.tamper!) });
  });

  it("a catalog with the wrong SHA-256: CHECKSUM_MISMATCH, not retried", async () => {
    const p = pipeline();
    use(p);
    proxy.patchVersion(id(names.victim), "1.0.0", { sha256: "ab".repeat(32) });
    const op = await expectRejected(p, id(names.victim), names.victim, "CHECKSUM_MISMATCH");
    expect(op.attempts).toBe(1);
  });

  it("a signature that does not verify: SIGNATURE_INVALID", async () => {
    const p = pipeline();
    use(p);
    await expectRejected(p, id(names.forged), names.forged, "SIGNATURE_INVALID");
    // The catalog's signature swapped for one over another artifact: the same.
    proxy.patchVersion(id(names.victim), "1.0.0", detachedSignature(zips.ok100!, market.key));
    await expectRejected(p, id(names.victim), names.victim, "SIGNATURE_INVALID");
  });

  it("a revoked key: KEY_REVOKED, even while it is still listed as trusted", async () => {
    const p = pipeline();
    use(p, { revoked: [market.key.keyId] });
    await expectRejected(p, id(names.victim), names.victim, "KEY_REVOKED");
  });

  it("a key the platform does not trust: KEY_UNTRUSTED", async () => {
    const p = pipeline();
    use(p, { keys: [publisher] });
    await expectRejected(p, id(names.victim), names.victim, "KEY_UNTRUSTED");
    // No policy configured at all: nobody is trusted.
    delete p.services.signatures;
    await expectRejected(p, id(names.victim), names.victim, "KEY_UNTRUSTED");
  });

  it("an unsigned market artifact: SIGNATURE_MISSING", async () => {
    const p = pipeline();
    use(p);
    proxy.patchVersion(id(names.victim), "1.0.0", { signature: null, keyId: null });
    await expectRejected(p, id(names.victim), names.victim, "SIGNATURE_MISSING");
  });

  it("an id the market does not have: MARKET_PLUGIN_NOT_FOUND, not retried", async () => {
    const p = pipeline();
    use(p);
    const op = await expectRejected(p, "no-such-plugin", "no-such-plugin", "MARKET_PLUGIN_NOT_FOUND");
    expect(op.attempts).toBe(1);
    expect((await p.settledJob(op.jobId)).attemptsMade).toBe(1);
  });

  it("a market that is down: retried by the client and the queue, then MARKET_UNAVAILABLE", async () => {
    const p = pipeline();
    const retries: RetryEvent[] = [];
    use(p);
    p.services.market = marketClient(`http://127.0.0.1:${await closedPort()}/`, {
      onRetry: (e) => retries.push(e),
    });
    const op = await expectRejected(p, id(names.victim), names.victim, "MARKET_UNAVAILABLE");
    expect(op.attempts).toBe(3);
    expect(op.error?.message).toContain("ECONNREFUSED");
    const job = await p.settledJob(op.jobId);
    expect(job.attemptsMade).toBe(3);
    expect(await job.getState()).toBe("failed");
    // Two tries per attempt: one retry each inside the client.
    expect(retries).toHaveLength(3);
  });

  it("a market that is down and comes back within the retry budget: succeeds", async () => {
    const p = pipeline();
    use(p);
    let retried = 0;
    p.services.market = marketClient(proxy.url, {
      onRetry: () => {
        retried += 1;
        // The first attempt fails (both tries); the market is back for the second try of the second.
        if (retried === 2) proxy.down = false;
      },
    });
    proxy.down = true;
    const op = await marketInstall(p, id(names.flaky));
    expect(op.error).toBeNull();
    expect(op.state).toBe("succeeded");
    expect(op.attempts).toBe(2);
    expect(proxy.dropped).toBe(3);
    expect(op.result).toMatchObject({ checksum: sha256(zips.flaky!), signedBy: market.key.keyId });
    expect((await p.database.plugins.versions(op.pluginId!)).length).toBe(1);
    expect(await p.objects(`plugins/${op.pluginId}/`)).toHaveLength(1);
  });

  it("with the market disabled (services.market = null): MARKET_DISABLED", async () => {
    const p = pipeline();
    p.services.signatures = trusting([market.key]);
    const op = await expectRejected(p, id(names.victim), names.victim, "MARKET_DISABLED");
    expect(op.attempts).toBe(1);
  });

  it("local uploads under require_signature: SIGNATURE_MISSING unsigned, installed when validly signed", async () => {
    const p = pipeline();
    p.services.signatures = trusting([publisher], { requireSignature: true });
    const name = uniqueName("signed-upload");
    const zip = await pluginZip(manifestOf(name, "1.0.0"));

    let before = await snapshot(p);
    const unsigned = await p.install(zip);
    expect(unsigned.error?.code).toBe("SIGNATURE_MISSING");
    expect(await leftovers(p, unsigned, name, before)).toEqual([]);

    before = await snapshot(p);
    const wrong = await p.install(zip, { signature: detachedSignature(zips.victim!, publisher) });
    expect(wrong.error?.code).toBe("SIGNATURE_INVALID");
    expect(await leftovers(p, wrong, name, before)).toEqual([]);

    before = await snapshot(p);
    const untrusted = await p.install(zip, { signature: detachedSignature(zip, stranger) });
    expect(untrusted.error?.code).toBe("KEY_UNTRUSTED");
    expect(await leftovers(p, untrusted, name, before)).toEqual([]);

    const signed = await p.install(zip, { signature: detachedSignature(zip, publisher) });
    expect(signed.error).toBeNull();
    expect(signed.result).toMatchObject({ version: "1.0.0", signedBy: publisher.keyId });
    expect(await p.database.plugins.findById(signed.pluginId!)).toMatchObject({ name, source: "local" });
  });
});
