import { randomBytes } from "node:crypto";
import { isEncryptedSecret, Keyring, SecretCipher } from "@arcade/secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";

// Config secrets through the API: secret fields (writeOnly / x-secret) are masked in every
// answer, sealed before a job is made (the job row carries the ciphertext, never the value),
// and a PUT sending the mask back keeps the stored value.

const schema = {
  type: "object",
  properties: {
    url: { type: "string", format: "uri", writeOnly: true },
    slack: { type: "object", properties: { token: { type: "string", pattern: "^xox", "x-secret": true } } },
    channel: { type: "string" },
  },
  required: ["url"],
  additionalProperties: false,
};
const URL_SECRET = `https://hooks.example.test/services/${randomBytes(12).toString("hex")}`;
const TOKEN_SECRET = `xoxb-${randomBytes(12).toString("hex")}`;

function cipher(): SecretCipher {
  return new SecretCipher(new Keyring({ keys: [{ id: "k1", secret: randomBytes(32) }], activeKey: "k1" }));
}

describeWithRedis("config secrets over the API", () => {
  describe("with a keyring", () => {
    let t: TestApp;
    const keys = cipher();
    beforeAll(async () => {
      t = await createTestApp({ secrets: keys });
    });
    afterAll(() => t?.close());

    /** PUTs a config, then stores the job's payload as the worker's persist step would. */
    async function configure(pluginId: string, config: unknown) {
      const job = await expectJson<{ jobId: string }>(
        await call(t.app, `/api/v1/plugins/${pluginId}/config`, { method: "PUT", json: config }),
        202,
      );
      const row = await t.db.jobs.get(job.jobId);
      const stored = row!.payload.config as Record<string, unknown>;
      await t.db.plugins.transaction((tx) => tx.setConfig(pluginId, stored));
      await t.db.jobs.update(job.jobId, {
        state: "succeeded",
        finishedAt: new Date(),
        updatedAt: new Date(),
      });
      return { row: row!, stored };
    }

    it("seals secrets before the job exists and masks them in every answer", async () => {
      const p = await t.insertPlugin({ configSchema: schema });
      const { row, stored } = await configure(p.pluginId, {
        url: URL_SECRET,
        slack: { token: TOKEN_SECRET },
        channel: "#builds",
      });
      expect(isEncryptedSecret(stored.url)).toBe(true);
      expect(isEncryptedSecret((stored.slack as Record<string, unknown>).token)).toBe(true);
      expect(stored.channel).toBe("#builds");
      const rowText = JSON.stringify(row);
      expect(rowText).not.toContain(URL_SECRET);
      expect(rowText).not.toContain(TOKEN_SECRET);

      const res = await call(t.app, `/api/v1/plugins/${p.pluginId}/config`);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(JSON.parse(text)).toEqual({ url: "[secret]", slack: { token: "[secret]" }, channel: "#builds" });
      for (const path of [`/api/v1/plugins/${p.pluginId}`, `/api/v1/jobs/${row.jobId}`, "/api/v1/jobs"]) {
        const body = await (await call(t.app, path)).text();
        expect(body, path).not.toContain(URL_SECRET);
        expect(body, path).not.toContain(TOKEN_SECRET);
        expect(body, path).not.toContain(stored.url as string);
      }
    });

    it("a PUT sending the mask back keeps the stored value; a new value replaces it", async () => {
      const p = await t.insertPlugin({ configSchema: schema });
      const first = await configure(p.pluginId, { url: URL_SECRET, slack: { token: TOKEN_SECRET } });
      const masked = await expectJson<Record<string, unknown>>(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`),
        200,
      );
      const kept = await configure(p.pluginId, { ...masked, channel: "#ops" });
      expect(kept.stored.url).toBe(first.stored.url);
      expect(kept.stored.slack).toEqual(first.stored.slack);
      expect(kept.stored.channel).toBe("#ops");

      const replaced = await configure(p.pluginId, { ...masked, url: "https://other.example.test/hook" });
      expect(replaced.stored.url).not.toBe(first.stored.url);
      const opened = keys.decrypt(replaced.stored.url as string, { pluginId: p.pluginId, field: "/url" });
      expect(opened).toBe("https://other.example.test/hook");
    });

    it("checks secrets in clear (422 naming the field, no job) and refuses another field's ciphertext", async () => {
      const p = await t.insertPlugin({ configSchema: schema });
      const before = (await t.db.jobs.list({ pluginId: p.pluginId, page: 1, pageSize: 10 })).total;
      const bad = await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
          method: "PUT",
          json: { url: URL_SECRET, slack: { token: "not-a-slack-token" } },
        }),
        422,
        "CONFIG_INVALID",
      );
      expect((bad.errors ?? []).map((e) => e.path)).toEqual(["/slack/token"]);
      expect(JSON.stringify(bad)).not.toContain(URL_SECRET);

      const other = await t.insertPlugin({ configSchema: schema });
      const { stored } = await configure(other.pluginId, { url: URL_SECRET });
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
          method: "PUT",
          json: { url: stored.url },
        }),
        422,
        "CONFIG_INVALID",
      );
      // A mask with nothing stored behind it is not a value: url is then missing.
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
          method: "PUT",
          json: { url: "[secret]" },
        }),
        422,
        "CONFIG_INVALID",
      );
      expect((await t.db.jobs.list({ pluginId: p.pluginId, page: 1, pageSize: 10 })).total).toBe(before);
    });
  });

  describe("without a keyring", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t?.close());

    it("stores secrets in clear but still masks them in answers", async () => {
      const p = await t.insertPlugin({ configSchema: schema });
      const job = await expectJson<{ jobId: string }>(
        await call(t.app, `/api/v1/plugins/${p.pluginId}/config`, {
          method: "PUT",
          json: { url: URL_SECRET },
        }),
        202,
      );
      const row = await t.db.jobs.get(job.jobId);
      expect(row!.payload.config).toEqual({ url: URL_SECRET });
      await t.db.plugins.transaction((tx) => tx.setConfig(p.pluginId, { url: URL_SECRET }));
      const res = await call(t.app, `/api/v1/plugins/${p.pluginId}/config`);
      expect(await res.json()).toEqual({ url: "[secret]" });
    });
  });
});
