import { AppError, type PluginRepo } from "@arcade/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.js";
import { MIGRATIONS } from "../migrations/index.js";
import { operationRecord, placementRecord, pluginRecord, versionRecord } from "./fixtures.js";

/** One isolated, empty database (a temp SQLite file, a fresh MariaDB schema). */
export interface ContractTarget {
  /** A new Database on the target; each call is a separate connection (pool), as another process would have. */
  open(): Promise<Database>;
  /** Removes the database and everything in it. */
  drop(): Promise<void>;
}

const MIGRATION_NAMES = MIGRATIONS.map((m) => new m().name);
const TABLES = ["t_plugin_operation", "t_plugin_rollout", "t_plugin_config", "t_plugin_version", "t_plugin"];

async function insertPlugins(repo: PluginRepo, ...plugins: Parameters<typeof pluginRecord>[0][]) {
  await repo.transaction(async (tx) => {
    for (const p of plugins) await tx.insertPlugin(pluginRecord(p));
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return "resolved";
}

/**
 * The behaviour every database driver must show through PluginRepo and JobRepo.
 * `skipReason` skips the whole suite and says why in its name.
 */
export function describeRepoContract(
  name: string,
  makeTarget: () => Promise<ContractTarget>,
  skipReason?: string,
): void {
  if (skipReason !== undefined) {
    // Only the MariaDB variant passes a reason, and only when ARCADE_TEST_MYSQL_URL is unset
    // (a run outside `npm test`, which always starts MariaDB): say so instead of failing.
    // Inside the test command a skip fails the run (test/skipped-tests.json lists none).
    describe.skip(`repo contract: ${name} (skipped: ${skipReason})`, () => {
      it("needs the database", () => {});
    });
    return;
  }

  describe(`repo contract: ${name}`, () => {
    let target: ContractTarget;
    let db: Database;
    let firstRun: string[];

    beforeAll(async () => {
      target = await makeTarget();
      db = await target.open();
      firstRun = await db.migrate();
    });

    afterAll(async () => {
      await db?.close();
      await target?.drop();
    });

    beforeEach(async () => {
      for (const table of TABLES) await db.dataSource.query(`DELETE FROM ${table}`);
    });

    describe("migrations", () => {
      it("apply every migration once; a second run is a no-op", async () => {
        expect(firstRun).toEqual(MIGRATION_NAMES);
        expect(await db.migrate()).toEqual([]);
        expect(await db.plugins.currentRevision()).toBeGreaterThanOrEqual(0);
      });

      it("two processes migrating a fresh database at once both succeed, applying each migration once", async () => {
        const fresh = await makeTarget();
        const a = await fresh.open();
        const b = await fresh.open();
        try {
          const [ranA, ranB] = await Promise.all([a.migrate(), b.migrate()]);
          expect([...ranA, ...ranB].sort()).toEqual([...MIGRATION_NAMES].sort());
          expect(await a.plugins.currentRevision()).toBe(0);
          expect(await b.migrate()).toEqual([]);
        } finally {
          await a.close();
          await b.close();
          await fresh.drop();
        }
      });
    });

    describe("plugins", () => {
      it("insert, read back every field, update, delete", async () => {
        const record = pluginRecord({
          description: "Ünïcode and emoji 🚀 survive",
          latestVersion: "1.1.0",
          autoUpdate: true,
          marketId: "market-42",
          paramsSchema: { type: "object", properties: { channel: { type: "string" } } },
        });
        await db.plugins.transaction((tx) => tx.insertPlugin(record));

        expect(await db.plugins.findById(record.pluginId)).toEqual(record);
        expect(await db.plugins.findByName(record.name)).toEqual(record);
        expect(await db.plugins.findById("plugin_missing_000000")).toBeNull();
        expect(await db.plugins.findByName("missing")).toBeNull();

        const updateTime = new Date("2024-06-02T03:04:05.678Z");
        await db.plugins.transaction((tx) =>
          tx.updatePlugin(record.pluginId, {
            version: "1.1.0",
            isEnabled: 2,
            defaultConfig: null,
            updateTime,
          }),
        );
        const updated = await db.plugins.findById(record.pluginId);
        expect(updated).toEqual({
          ...record,
          version: "1.1.0",
          isEnabled: 2,
          defaultConfig: null,
          updateTime,
        });
        expect(updated?.updateTime).toBeInstanceOf(Date);

        await db.plugins.transaction((tx) => tx.deletePlugin(record.pluginId));
        expect(await db.plugins.findById(record.pluginId)).toBeNull();
        expect(await db.plugins.listAll()).toEqual([]);
      });

      it("a second plugin with the same name is PLUGIN_EXISTS and its transaction writes nothing", async () => {
        await insertPlugins(db.plugins, { name: "slack", pluginId: "plugin_slack_aaaaaa" });
        const before = await db.plugins.currentRevision();
        const attempt = db.plugins.transaction(async (tx) => {
          await tx.bumpRevision();
          await tx.insertPlugin(pluginRecord({ name: "slack", pluginId: "plugin_slack_bbbbbb" }));
        });
        await expect(attempt).rejects.toMatchObject({ code: "PLUGIN_EXISTS", status: 409 });
        expect(await db.plugins.currentRevision()).toBe(before);
        expect((await db.plugins.listAll()).map((p) => p.pluginId)).toEqual(["plugin_slack_aaaaaa"]);
      });

      it("list filters by type, status and source, pages with a total, and orders by name", async () => {
        await insertPlugins(
          db.plugins,
          { name: "alpha", pluginId: "plugin_alpha_000001", pluginType: "ci", isEnabled: 1, source: "local" },
          {
            name: "bravo",
            pluginId: "plugin_bravo_000002",
            pluginType: "ci",
            isEnabled: 0,
            source: "market",
          },
          {
            name: "charlie",
            pluginId: "plugin_charlie_000003",
            pluginType: "cd",
            isEnabled: 1,
            source: "market",
          },
          { name: "delta", pluginId: "plugin_delta_000004", pluginType: "ci", isEnabled: 2, source: "local" },
          {
            name: "echo",
            pluginId: "plugin_echo_000005",
            pluginType: "notify",
            isEnabled: 1,
            source: "local",
          },
        );
        const names = (r: { items: { name: string }[] }) => r.items.map((p) => p.name);

        const all = await db.plugins.list({ page: 1, pageSize: 50 });
        expect(all.total).toBe(5);
        expect(names(all)).toEqual(["alpha", "bravo", "charlie", "delta", "echo"]);

        expect(names(await db.plugins.list({ pluginType: "ci", page: 1, pageSize: 50 }))).toEqual([
          "alpha",
          "bravo",
          "delta",
        ]);
        expect(names(await db.plugins.list({ status: 1, page: 1, pageSize: 50 }))).toEqual([
          "alpha",
          "charlie",
          "echo",
        ]);
        expect(names(await db.plugins.list({ source: "market", page: 1, pageSize: 50 }))).toEqual([
          "bravo",
          "charlie",
        ]);
        const combined = await db.plugins.list({
          pluginType: "ci",
          status: 1,
          source: "local",
          page: 1,
          pageSize: 50,
        });
        expect(names(combined)).toEqual(["alpha"]);
        expect(combined.total).toBe(1);

        const page1 = await db.plugins.list({ page: 1, pageSize: 2 });
        const page2 = await db.plugins.list({ page: 2, pageSize: 2 });
        const page3 = await db.plugins.list({ page: 3, pageSize: 2 });
        const page4 = await db.plugins.list({ page: 4, pageSize: 2 });
        expect([page1.total, page2.total, page3.total, page4.total]).toEqual([5, 5, 5, 5]);
        expect([names(page1), names(page2), names(page3), names(page4)]).toEqual([
          ["alpha", "bravo"],
          ["charlie", "delta"],
          ["echo"],
          [],
        ]);

        expect(await codeOf(db.plugins.list({ page: 0, pageSize: 10 }))).toBe("BAD_REQUEST");
        expect(await codeOf(db.plugins.list({ page: 1, pageSize: 0 }))).toBe("BAD_REQUEST");
      });

      it("q matches name, description or author case-insensitively and takes % and _ literally", async () => {
        await insertPlugins(
          db.plugins,
          {
            name: "gitlab-ci",
            pluginId: "plugin_gitlab_000001",
            description: "Runs pipelines",
            author: "Ops",
          },
          { name: "percent", pluginId: "plugin_percent_000002", description: "100% coverage", author: "QA" },
          {
            name: "plain",
            pluginId: "plugin_plain_000003",
            description: "100 percent sure",
            author: "Max_Power",
          },
          { name: "other", pluginId: "plugin_other_000004", description: "nothing", author: "MaxxPower" },
        );
        const q = async (text: string) =>
          (await db.plugins.list({ q: text, page: 1, pageSize: 50 })).items.map((p) => p.name);

        expect(await q("GITLAB")).toEqual(["gitlab-ci"]);
        expect(await q("pipelines")).toEqual(["gitlab-ci"]);
        expect(await q("qa")).toEqual(["percent"]);
        expect(await q("100%")).toEqual(["percent"]);
        expect(await q("%")).toEqual(["percent"]);
        expect(await q("max_")).toEqual(["plain"]);
        expect(await q("_")).toEqual(["plain"]);
        expect(await q("!")).toEqual([]);
        expect(await q("")).toHaveLength(4);
        const filtered = await db.plugins.list({ q: "100", source: "local", page: 1, pageSize: 1 });
        expect(filtered.total).toBe(2);
        expect(filtered.items.map((p) => p.name)).toEqual(["percent"]);
      });
    });

    describe("versions and config", () => {
      it("versions come newest first (created_at, then insertion) and upsert replaces in place", async () => {
        const pluginId = "plugin_slack_abc123";
        await db.plugins.transaction(async (tx) => {
          await tx.insertPlugin(pluginRecord({ pluginId }));
          await tx.upsertVersion(
            versionRecord({ version: "1.0.0", createdAt: new Date("2024-01-01T00:00:00.001Z") }),
          );
          await tx.upsertVersion(
            versionRecord({ version: "1.2.0", createdAt: new Date("2024-03-01T00:00:00.000Z") }),
          );
          await tx.upsertVersion(
            versionRecord({ version: "1.1.0", createdAt: new Date("2024-03-01T00:00:00.000Z") }),
          );
        });
        const order = async () => (await db.plugins.versions(pluginId)).map((v) => v.version);
        expect(await order()).toEqual(["1.1.0", "1.2.0", "1.0.0"]);

        const replaced = versionRecord({
          version: "1.0.0",
          checksum: "c".repeat(64),
          size: 42,
          createdAt: new Date("2024-04-01T00:00:00.000Z"),
          // The permissions a version runs with and who approved them round-trip (issue 11).
          permissions: {
            fs: { read: ["/etc/ssl/certs"], write: [] },
            network: { hosts: ["hooks.slack.com:443"], raw: false },
            process: false,
            env: ["HTTP_PROXY"],
          },
          permissionsApprovedBy: "admin-token",
        });
        await db.plugins.transaction((tx) => tx.upsertVersion(replaced));
        expect(await order()).toEqual(["1.0.0", "1.1.0", "1.2.0"]);
        expect(await db.plugins.getVersion(pluginId, "1.0.0")).toEqual(replaced);
        expect(await db.plugins.getVersion(pluginId, "9.9.9")).toBeNull();

        const big = await db.plugins.getVersion(pluginId, "1.2.0");
        expect(big?.size).toBe(5_000_000_000);
        expect(big?.manifest).toEqual(versionRecord({ version: "1.2.0" }).manifest);

        const inTx = await db.plugins.transaction(async (tx) => {
          await tx.deleteVersion(pluginId, "1.1.0");
          return (await tx.versions(pluginId)).map((v) => v.version);
        });
        expect(inTx).toEqual(["1.0.0", "1.2.0"]);
        expect(await order()).toEqual(["1.0.0", "1.2.0"]);
      });

      it("a version's signature and signing key id are stored and read back; unsigned reads as null", async () => {
        const pluginId = "plugin_signed_abc123";
        const signature = `${"A".repeat(86)}==`;
        const keyId = `ed25519-${"0123456789abcdef"}`;
        await db.plugins.transaction(async (tx) => {
          await tx.insertPlugin(pluginRecord({ pluginId, name: "signed" }));
          await tx.upsertVersion(
            versionRecord({ pluginId, version: "1.0.0", signature, signatureKeyId: keyId }),
          );
          await tx.upsertVersion(versionRecord({ pluginId, version: "1.1.0" }));
        });
        const signed = await db.plugins.getVersion(pluginId, "1.0.0");
        expect(signed?.signature).toBe(signature);
        expect(signed?.signatureKeyId).toBe(keyId);
        const unsigned = await db.plugins.getVersion(pluginId, "1.1.0");
        expect(unsigned?.signature).toBeNull();
        expect(unsigned?.signatureKeyId).toBeNull();
        // An upsert of the same version replaces the signature with the new row's.
        await db.plugins.transaction((tx) =>
          tx.upsertVersion(
            versionRecord({ pluginId, version: "1.0.0", signature: null, signatureKeyId: null }),
          ),
        );
        expect((await db.plugins.versions(pluginId)).map((v) => v.signatureKeyId)).toEqual([null, null]);
      });

      it("config is set, replaced, and deleted with its plugin (with the versions)", async () => {
        const pluginId = "plugin_slack_abc123";
        expect(await db.plugins.getConfig(pluginId)).toBeNull();
        await db.plugins.transaction(async (tx) => {
          await tx.insertPlugin(pluginRecord({ pluginId }));
          await tx.setConfig(pluginId, { webhook: "https://hooks.test/1", retries: 3 });
          await tx.upsertVersion(versionRecord({ pluginId }));
        });
        expect(await db.plugins.getConfig(pluginId)).toEqual({ webhook: "https://hooks.test/1", retries: 3 });

        await db.plugins.transaction((tx) => tx.setConfig(pluginId, { webhook: "https://hooks.test/2" }));
        expect(await db.plugins.getConfig(pluginId)).toEqual({ webhook: "https://hooks.test/2" });

        await db.plugins.transaction((tx) => tx.deletePlugin(pluginId));
        expect(await db.plugins.getConfig(pluginId)).toBeNull();
        expect(await db.plugins.versions(pluginId)).toEqual([]);
        expect(await db.plugins.findById(pluginId)).toBeNull();
      });
    });

    describe("rollout placements", () => {
      it("are written with the revision, read back every field, replaced in place and deleted", async () => {
        const start = await db.plugins.currentRevision();
        const canary = placementRecord({ nodes: ["node-b", "node-a"] });
        const revision = await db.plugins.transaction(async (tx) => {
          await tx.putPlacement(canary);
          expect(await tx.getPlacement(canary.pluginId)).toEqual(canary);
          return tx.bumpRevision();
        });
        expect(revision).toBe(start + 1);
        expect(await db.plugins.getPlacement(canary.pluginId)).toEqual(canary);
        expect(await db.plugins.listPlacements()).toEqual([canary]);

        const split = placementRecord({
          nodes: [],
          alongside: { share: 12.5, salt: "job-1", callerKeyHeader: "X-Caller" },
          hold: true,
          updatedAt: "2024-05-02T08:00:00.250Z",
        });
        const other = placementRecord({
          pluginId: "plugin_jira_000001",
          fromVersion: null,
          toVersion: "0.1.0",
        });
        await db.plugins.transaction(async (tx) => {
          await tx.putPlacement(split);
          await tx.putPlacement(other);
        });
        expect(await db.plugins.listPlacements()).toEqual([other, split]);

        await db.plugins.transaction((tx) => tx.deletePlacement(split.pluginId));
        await db.plugins.transaction((tx) => tx.deletePlacement("plugin_none_000000"));
        expect(await db.plugins.getPlacement(split.pluginId)).toBeNull();
        expect(await db.plugins.listPlacements()).toEqual([other]);
      });

      it("a placement written without updatedAt is stamped with the time of the write", async () => {
        const before = Date.now();
        const { updatedAt: _ignored, ...write } = placementRecord();
        await db.plugins.transaction((tx) => tx.putPlacement(write));
        const stored = await db.plugins.getPlacement(write.pluginId);
        expect(stored).toEqual({ ...write, updatedAt: expect.any(String) });
        expect(Date.parse(stored?.updatedAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
      });

      it("a transaction that throws leaves no placement; deleting the plugin deletes its placement", async () => {
        const boom = new Error("step failed");
        const placement = placementRecord();
        await expect(
          db.plugins.transaction(async (tx) => {
            await tx.putPlacement(placement);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await db.plugins.listPlacements()).toEqual([]);

        await db.plugins.transaction(async (tx) => {
          await tx.insertPlugin(pluginRecord({ pluginId: placement.pluginId }));
          await tx.putPlacement(placement);
        });
        await db.plugins.transaction((tx) => tx.deletePlugin(placement.pluginId));
        expect(await db.plugins.getPlacement(placement.pluginId)).toBeNull();
      });
    });

    describe("cluster revision", () => {
      it("only grows, commits with the transaction, and reads back inside it", async () => {
        const start = await db.plugins.currentRevision();
        const [one, two] = await db.plugins.transaction(async (tx) => [
          await tx.bumpRevision(),
          await tx.bumpRevision(),
        ]);
        expect([one, two]).toEqual([start + 1, start + 2]);
        expect(await db.plugins.currentRevision()).toBe(start + 2);

        const concurrent = await Promise.all(
          Array.from({ length: 5 }, () => db.plugins.transaction((tx) => tx.bumpRevision())),
        );
        expect([...concurrent].sort((x, y) => x - y)).toEqual([
          start + 3,
          start + 4,
          start + 5,
          start + 6,
          start + 7,
        ]);
        expect(await db.plugins.currentRevision()).toBe(start + 7);
      });

      it("a transaction that throws writes nothing and leaves the revision unchanged", async () => {
        const start = await db.plugins.currentRevision();
        const boom = new Error("persist step failed");
        const attempt = db.plugins.transaction(async (tx) => {
          await tx.insertPlugin(pluginRecord({ pluginId: "plugin_ghost_000001", name: "ghost" }));
          await tx.setConfig("plugin_ghost_000001", { a: 1 });
          await tx.upsertVersion(versionRecord({ pluginId: "plugin_ghost_000001" }));
          expect(await tx.bumpRevision()).toBe(start + 1);
          expect(await tx.findByName("ghost")).not.toBeNull();
          throw boom;
        });
        await expect(attempt).rejects.toBe(boom);
        expect(await db.plugins.currentRevision()).toBe(start);
        expect(await db.plugins.findByName("ghost")).toBeNull();
        expect(await db.plugins.getConfig("plugin_ghost_000001")).toBeNull();
        expect(await db.plugins.versions("plugin_ghost_000001")).toEqual([]);
      });

      it("plain repo calls made inside a transaction callback do not wait on it forever", async () => {
        const seen = await db.plugins.transaction(async (tx) => {
          await tx.bumpRevision();
          return {
            revision: await db.plugins.currentRevision(),
            op: await db.jobs.get("no-such-job"),
          };
        });
        expect(typeof seen.revision).toBe("number");
        expect(seen.op).toBeNull();
      });

      it("the transaction's result is returned and ping answers", async () => {
        await expect(db.plugins.transaction(async () => "value")).resolves.toBe("value");
        await expect(db.plugins.ping()).resolves.toBeUndefined();
      });
    });

    describe("rollout commands", () => {
      it("stores one pending command, only against the result it was checked with (compare-and-set)", async () => {
        const seen = { version: "2.0.0", rollout: { status: "running", step: 0 } };
        await db.jobs.create(operationRecord({ jobId: "job-cmd", result: seen }));
        const pause = {
          command: "pause" as const,
          by: "ops",
          reason: "look",
          at: "2024-05-01T10:00:00.000Z",
        };
        expect(await db.rolloutCommands.pending("job-cmd")).toBeNull();
        // Checked against another state: not stored.
        expect(await db.rolloutCommands.offer("job-cmd", pause, { ...seen, version: "3.0.0" })).toBe(false);
        expect(await db.rolloutCommands.offer("job-cmd", pause, seen)).toBe(true);
        // One at a time: the second loses while the first is pending.
        expect(await db.rolloutCommands.offer("job-cmd", { ...pause, command: "abort" }, seen)).toBe(false);
        expect(await db.rolloutCommands.pending("job-cmd")).toEqual(pause);
        await db.rolloutCommands.clear("job-cmd");
        expect(await db.rolloutCommands.pending("job-cmd")).toBeNull();
        // No job, no command.
        expect(await db.rolloutCommands.offer("no-job", pause, null)).toBe(false);
        // A job row write elsewhere leaves the pending command alone.
        expect(await db.rolloutCommands.offer("job-cmd", pause, seen)).toBe(true);
        await db.jobs.update("job-cmd", { progress: 80 });
        expect(await db.rolloutCommands.pending("job-cmd")).toEqual(pause);
      });
    });

    describe("operations", () => {
      it("stores JSON columns as objects and reads every field back", async () => {
        const op = operationRecord({
          lockKey: "plugin:slack",
          idempotencyKey: "idem-roundtrip",
          steps: [
            { name: "fetch", state: "succeeded", startedAt: "2024-05-01T10:00:00.000Z" },
            { name: "verify", state: "running" },
          ],
          payload: { nested: { list: [1, "two", null] }, unicode: "✓" },
          error: { code: "MANIFEST_INVALID", message: "bad", errors: [{ path: "/version", message: "x" }] },
          result: {
            version: "1.0.0",
            nodes: {
              expected: 2,
              applied: ["node-a"],
              failed: [],
              pending: ["node-b"],
              degraded: true,
            },
          },
          step: "verify",
          progress: 40,
          attempts: 2,
        });
        const created = await db.jobs.create(op);
        expect(created).toEqual({ created: true, operation: op });
        expect(await db.jobs.get(op.jobId)).toEqual(op);
        expect(await db.jobs.findByIdempotencyKey("idem-roundtrip")).toEqual(op);
        expect(await db.jobs.findUnfinished("plugin:slack")).toEqual(op);
        expect(await db.jobs.get("no-such-job")).toBeNull();
      });

      it("a second unfinished operation on the same lock key is OPERATION_IN_PROGRESS naming the holder", async () => {
        const first = operationRecord({ lockKey: "plugin:slack" });
        await db.jobs.create(first);
        const second = operationRecord({ lockKey: "plugin:slack", type: "disable" });

        const error = await db.jobs.create(second).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({
          code: "OPERATION_IN_PROGRESS",
          status: 409,
          extras: { inFlightJobId: first.jobId },
        });
        expect(await db.jobs.get(second.jobId)).toBeNull();

        await db.jobs.update(first.jobId, { state: "running", step: "fetch", progress: 10 });
        await expect(db.jobs.create(second)).rejects.toMatchObject({ code: "OPERATION_IN_PROGRESS" });

        const otherPlugin = operationRecord({ lockKey: "plugin:teams", pluginId: "plugin_teams_000001" });
        await expect(db.jobs.create(otherPlugin)).resolves.toMatchObject({ created: true });
      });

      it("finishing an operation frees its lock and stamps finished_at", async () => {
        const first = operationRecord({ lockKey: "plugin:slack" });
        await db.jobs.create(first);
        const result = { version: "1.0.0", checksum: "d".repeat(64) };
        await db.jobs.update(first.jobId, { state: "succeeded", progress: 100, result });

        const finished = await db.jobs.get(first.jobId);
        expect(finished).toMatchObject({ state: "succeeded", lockKey: null, progress: 100, result });
        expect(finished?.finishedAt).toBeInstanceOf(Date);
        expect(await db.jobs.findUnfinished("plugin:slack")).toBeNull();

        const next = operationRecord({ lockKey: "plugin:slack" });
        await expect(db.jobs.create(next)).resolves.toMatchObject({ created: true });
        const failedAt = new Date("2024-05-02T00:00:00.500Z");
        await db.jobs.update(next.jobId, {
          state: "failed",
          finishedAt: failedAt,
          error: { code: "CHECKSUM_MISMATCH", message: "x" },
        });
        expect(await db.jobs.get(next.jobId)).toMatchObject({ lockKey: null, finishedAt: failedAt });
        await expect(db.jobs.create(operationRecord({ lockKey: "plugin:slack" }))).resolves.toMatchObject({
          created: true,
        });
      });

      it("the same idempotency key returns the existing operation, even while it holds the lock", async () => {
        const first = operationRecord({ lockKey: "plugin:slack", idempotencyKey: "key-1" });
        await db.jobs.create(first);
        const retry = operationRecord({ lockKey: "plugin:slack", idempotencyKey: "key-1" });
        expect(await db.jobs.create(retry)).toEqual({ created: false, operation: first });

        await db.jobs.update(first.jobId, { state: "succeeded" });
        const later = await db.jobs.create(
          operationRecord({ lockKey: "plugin:slack", idempotencyKey: "key-1" }),
        );
        expect(later.created).toBe(false);
        expect(later.operation.jobId).toBe(first.jobId);

        // Keys compare exactly: another case is another key.
        const upper = await db.jobs.create(operationRecord({ idempotencyKey: "KEY-1" }));
        expect(upper.created).toBe(true);
      });

      it("list filters, pages newest first; prune deletes only finished operations older than the cutoff", async () => {
        const at = (iso: string) => new Date(iso);
        const ops = [
          operationRecord({ jobId: "j1", type: "install", createdAt: at("2024-01-01T00:00:00Z") }),
          operationRecord({ jobId: "j2", type: "enable", createdAt: at("2024-01-02T00:00:00Z") }),
          operationRecord({
            jobId: "j3",
            type: "install",
            createdAt: at("2024-01-03T00:00:00Z"),
            pluginId: "p2",
          }),
          operationRecord({ jobId: "j4", type: "disable", createdAt: at("2024-01-04T00:00:00Z") }),
        ];
        for (const op of ops) await db.jobs.create(op);
        await db.jobs.update("j1", { state: "succeeded", finishedAt: at("2024-01-01T00:01:00Z") });
        await db.jobs.update("j2", { state: "failed", finishedAt: at("2024-01-02T00:01:00Z") });
        await db.jobs.update("j3", { state: "succeeded", finishedAt: at("2024-02-01T00:00:00Z") });

        const ids = (r: { items: { jobId: string }[] }) => r.items.map((o) => o.jobId);
        const all = await db.jobs.list({ page: 1, pageSize: 10 });
        expect([ids(all), all.total]).toEqual([["j4", "j3", "j2", "j1"], 4]);
        expect(ids(await db.jobs.list({ type: "install", page: 1, pageSize: 10 }))).toEqual(["j3", "j1"]);
        expect(ids(await db.jobs.list({ state: "succeeded", page: 1, pageSize: 10 }))).toEqual(["j3", "j1"]);
        expect(ids(await db.jobs.list({ pluginId: "p2", page: 1, pageSize: 10 }))).toEqual(["j3"]);
        const page2 = await db.jobs.list({ page: 2, pageSize: 3 });
        expect([ids(page2), page2.total]).toEqual([["j1"], 4]);

        expect(await db.jobs.prune(at("2024-01-15T00:00:00Z"))).toBe(2);
        expect(ids(await db.jobs.list({ page: 1, pageSize: 10 }))).toEqual(["j4", "j3"]);
        expect(await db.jobs.prune(at("2024-01-15T00:00:00Z"))).toBe(0);
      });
    });

    describe("failures", () => {
      it("a closed database answers DATABASE_UNAVAILABLE (retryable), never a raw driver error", async () => {
        const other = await target.open();
        await other.close();
        for (const call of [
          other.plugins.findById("x"),
          other.plugins.list({ page: 1, pageSize: 1 }),
          other.plugins.transaction((tx) => tx.bumpRevision()),
          other.jobs.create(operationRecord()),
          other.migrate(),
        ]) {
          const error = await call.catch((e: unknown) => e);
          expect(error).toBeInstanceOf(AppError);
          expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE", retryable: true, status: 503 });
        }
        await expect(other.close()).resolves.toBeUndefined();
      });

      it("a connection torn down under the repos maps the driver's own error to DATABASE_UNAVAILABLE", async () => {
        const other = await target.open();
        // Bypass close(): the driver connection goes away while the repos still think it is open.
        await other.dataSource.driver.disconnect();
        const error = await other.plugins.findById("x").catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
        expect((error as AppError).cause).toBeDefined();
      });
    });
  });
}
