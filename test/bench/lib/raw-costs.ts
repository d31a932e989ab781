import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { type Manifest, PluginStatus } from "@arcade/contracts";
import { newPluginId, newPluginRecord, permissionsOf, silentLogger } from "@arcade/core";
import { openDatabase } from "@arcade/db";
import { entryPath, PluginDataDirs, prepareSandboxRuntime, Sandbox } from "@arcade/runtime";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { benchStore } from "./bare-server.js";
import type { Services } from "./services.js";
import { timeEach } from "./stats.js";

/** Object-store put of `bytes` (with its checksum, as the worker stores) then a full get. */
export async function storePutGet(services: Services, bytes: Buffer, samples: number): Promise<number[]> {
  const prefix = `bench-raw-${randomBytes(4).toString("hex")}/`;
  const store = benchStore(services, prefix);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  try {
    return await timeEach(samples, async (i) => {
      await store.put(`raw/obj-${i}`, Readable.from([bytes]), { sha256, size: bytes.length });
      for await (const _ of await store.get(`raw/obj-${i}`)) {
        // read to the end
      }
    });
  } finally {
    await store.deleteByPrefix("raw/").catch(() => 0);
  }
}

/** Raw object-store put of one file's bytes, MB/s over `samples` puts. */
export async function storePut(services: Services, bytes: Buffer, samples: number): Promise<number[]> {
  const prefix = `bench-raw-${randomBytes(4).toString("hex")}/`;
  const store = benchStore(services, prefix);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  try {
    return await timeEach(samples, async (i) => {
      await store.put(`raw/big-${i}`, Readable.from([bytes]), { sha256, size: bytes.length });
      await store.delete(`raw/big-${i}`);
    });
  } finally {
    await store.deleteByPrefix("raw/").catch(() => 0);
  }
}

/**
 * The persist step's transaction of an install, on a fresh MariaDB database through the
 * platform's own repos: find, insert plugin, set config, upsert version, list versions, bump
 * the revision.
 */
export async function dbTransaction(
  services: Services,
  manifest: Manifest,
  samples: number,
): Promise<number[]> {
  const name = `arcade_bench_${randomBytes(4).toString("hex")}`;
  const admin = await mysql.createConnection(services.mysqlUrl);
  await admin.query(`CREATE DATABASE \`${name}\``);
  const url = new URL(services.mysqlUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ type: "mysql", url: url.toString() });
  try {
    await db.migrate();
    const checksum = "0".repeat(64);
    return await timeEach(samples, async (i) => {
      const m = { ...manifest, name: `${manifest.name}-${i}` };
      const pluginId = newPluginId(m.name);
      await db.plugins.transaction(async (tx) => {
        await tx.findById(pluginId);
        await tx.insertPlugin(
          newPluginRecord({
            pluginId,
            manifest: m,
            checksum,
            source: "local",
            marketId: null,
            now: new Date(),
            status: PluginStatus.Enabled,
          }),
        );
        await tx.setConfig(pluginId, m.defaultConfig ?? {});
        await tx.upsertVersion({
          pluginId,
          version: m.version,
          checksum,
          objectKey: `plugins/${pluginId}/${m.version}/${pluginId}_${m.version}.zip`,
          size: 1000,
          manifest: m,
          createdAt: new Date(),
        });
        await tx.versions(pluginId);
        return tx.bumpRevision();
      });
    });
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

/** Publish on one connection until all `subscribers` connections have the message: one fan-out round trip. */
export async function redisFanOut(redisUrl: string, subscribers: number, samples: number): Promise<number[]> {
  const channel = `bench-fanout-${randomBytes(4).toString("hex")}`;
  const pub = new Redis(redisUrl, { lazyConnect: true });
  const subs = Array.from({ length: subscribers }, () => new Redis(redisUrl, { lazyConnect: true }));
  let waiting: { left: number; done: () => void; id: string } | null = null;
  try {
    await pub.connect();
    for (const sub of subs) {
      await sub.connect();
      sub.on("message", (_channel: string, message: string) => {
        if (waiting && message.startsWith(waiting.id)) {
          waiting.left -= 1;
          if (waiting.left === 0) waiting.done();
        }
      });
      await sub.subscribe(channel);
    }
    return await timeEach(samples, async (i) => {
      const id = `m${i}:`;
      const received = new Promise<void>((resolve) => {
        waiting = { left: subscribers, done: resolve, id };
      });
      // The same size of message as a plugin event.
      await pub.publish(channel, `${id}${"x".repeat(200)}`);
      await received;
    });
  } finally {
    for (const sub of subs) sub.disconnect();
    pub.disconnect();
  }
}

/** Writes an unpacked plugin (manifest.json + entry) to `dir` for sandbox measurements. */
export async function writePluginFolder(dir: string, manifest: Manifest, source: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  // Plugin processes run as another user when the bench runs as root: they must reach it
  // (its parent is usually a 0700 mkdtemp folder).
  await chmod(dirname(dir), 0o711);
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await writeFile(join(dir, manifest.entryPoint), source);
  return dir;
}

/**
 * Starting a sandbox (a plugin process: spawn, import of the entry, init); then stopping it
 * (not timed). No warm spare here: this is what a cold start costs.
 */
export async function sandboxStart(dir: string, manifest: Manifest, samples: number): Promise<number[]> {
  const runtime = await prepareSandboxRuntime({}, silentLogger);
  const dataDirs = new PluginDataDirs(join(dir, "..", "plugin-data"), runtime.user);
  const out: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const pluginId = `plugin_bench_${i}`;
    const sandbox = new Sandbox({
      pluginId,
      version: manifest.version,
      entryPath: entryPath(dir, manifest.entryPoint),
      dir,
      dataDir: await dataDirs.ensure(pluginId),
      permissions: permissionsOf(manifest),
      runtime,
      config: manifest.defaultConfig ?? {},
      requiredActions: [],
      memoryMb: 64,
      loadTimeoutMs: 10_000,
      cleanupTimeoutMs: 5_000,
      logger: silentLogger,
    });
    const started = performance.now();
    await sandbox.start();
    out.push(performance.now() - started);
    await sandbox.stop(1000);
  }
  return out;
}
