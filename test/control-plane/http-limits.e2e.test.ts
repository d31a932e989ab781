import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildExamplePlugin, missingServices, skipReason, usePlatform } from "../harness/index.js";
import { drip } from "./slow-clients.js";

// Issue 13, on a running platform (1 API + 1 worker, SQLite + fs) with short limits: slow
// clients are cut, every answer carries the security headers, a wrong Host is refused, the
// metric series stay bounded under invented action names, and a flood of bad tokens from one
// address ends in 429s before any token is checked. "Cut before N s" bounds are generous
// multiples of the configured limits; nothing else here depends on timing.

const missing = missingServices({ database: "sqlite", storage: "fs" });
const API = "/api/v1";
const HEADERS_TIMEOUT_S = 1;
const REQUEST_TIMEOUT_S = 2;
const UPLOAD_TIMEOUT_S = 3;
const AUTH_FAILURES = 20;
const METRICS_TOKEN = randomBytes(16).toString("hex");
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe.skipIf(missing.length > 0)(
  `HTTP limits and headers${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    const platform = usePlatform({
      label: "http-limits",
      apis: 1,
      workers: 1,
      database: "sqlite",
      storage: "fs",
      apiEnv: {
        ARCADE_SERVER_HEADERS_TIMEOUT: `${HEADERS_TIMEOUT_S}s`,
        ARCADE_SERVER_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_S}s`,
        ARCADE_SERVER_UPLOAD_TIMEOUT: `${UPLOAD_TIMEOUT_S}s`,
        ARCADE_SERVER_ALLOWED_HOSTS: "127.0.0.1,arcade.test",
        ARCADE_SERVER_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES),
        ARCADE_AUTH_TOKENS: JSON.stringify([
          { name: "prometheus", role: "metrics", token_sha256: sha256(METRICS_TOKEN) },
        ]),
      },
    });
    const base = () => platform().apis[0]!.url;
    const auth = () => `Authorization: Bearer ${platform().token}\r\n`;
    /** notify-stdout, installed once for the tests that need a loaded plugin. */
    let installed: Promise<string> | null = null;
    const loadedPlugin = () => {
      installed ??= (async () => {
        const p = platform();
        const accepted = await p.installZip(await buildExamplePlugin("notify-stdout"));
        const job = await p.waitJob(accepted.body.jobId);
        if (job.state !== "succeeded" || !job.pluginId)
          throw new Error(`install failed: ${JSON.stringify(job.error)}`);
        return job.pluginId;
      })();
      return installed;
    };

    describe("slow clients are cut", () => {
      it("a client dripping its headers is cut within the headers timeout", async () => {
        const cut = await drip(base(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: 1\r\n", {
          everyMs: 200,
          giveUpMs: HEADERS_TIMEOUT_S * 10_000,
        });
        // Node answers 408 when it cuts a request in its headers, or closes silently.
        expect([0, 408]).toContain(cut.status);
      });

      it("a connection that sends nothing at all is cut too", async () => {
        const cut = await drip(base(), "", "", { everyMs: 1000, giveUpMs: HEADERS_TIMEOUT_S * 10_000 });
        expect([0, 408]).toContain(cut.status);
      });

      it("a client dripping a JSON body is answered 408 REQUEST_TIMEOUT within server.request_timeout", async () => {
        const head =
          `PUT ${API}/plugins/${await loadedPlugin()}/config HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth()}` +
          "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
        const cut = await drip(base(), head, " ", { everyMs: 100, giveUpMs: REQUEST_TIMEOUT_S * 10_000 });
        expect(cut.status, cut.answer.slice(0, 500)).toBe(408);
        expect(cut.answer).toContain('"code":"REQUEST_TIMEOUT"');
        expect(cut.answer.toLowerCase()).toContain("connection: close");
      });

      it("an upload dripping its body is cut within server.upload_timeout", async () => {
        const boundary = "x-arcade-slow";
        const head =
          `POST ${API}/plugins/install HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth()}` +
          `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 10000000\r\n\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\nlocal\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.zip"\r\n` +
          "Content-Type: application/zip\r\n\r\nPK";
        const cut = await drip(base(), head, "\u0000", { everyMs: 100, giveUpMs: UPLOAD_TIMEOUT_S * 10_000 });
        expect(cut.status, cut.answer.slice(0, 500)).toBe(408);
        expect(cut.answer).toContain('"code":"REQUEST_TIMEOUT"');
      });

      it("the platform still answers afterwards, and a quick request with a body is not cut", async () => {
        const res = await platform().call("GET", `${API}/plugins/${await loadedPlugin()}/config`);
        expect(res.status).toBe(200);
      });
    });

    describe("headers", () => {
      it("nosniff and no-store on answers, WWW-Authenticate on a 401", async () => {
        const ok = await platform().request(`${API}/plugins`);
        expect(ok.status).toBe(200);
        const missingPlugin = await platform().request(`${API}/plugins/plugin_nope_zzzzzz`);
        expect(missingPlugin.status).toBe(404);
        const unauthorized = await fetch(`${base()}${API}/plugins`);
        expect(unauthorized.status).toBe(401);
        for (const res of [ok, missingPlugin, unauthorized]) {
          expect(res.headers.get("x-content-type-options")).toBe("nosniff");
          expect(res.headers.get("cache-control")).toBe("no-store");
          await res.arrayBuffer();
        }
        expect(unauthorized.headers.get("www-authenticate")).toBe('Bearer realm="arcade"');
      });

      it("a Host that is not allowed gets 421 HOST_NOT_ALLOWED; the probes answer any Host", async () => {
        const wrong = await drip(
          base(),
          `GET ${API}/plugins HTTP/1.1\r\nHost: evil.example\r\n${auth()}Connection: close\r\n\r\n`,
          "",
          {
            everyMs: 1000,
            giveUpMs: 10_000,
          },
        );
        expect(wrong.status).toBe(421);
        expect(wrong.answer).toContain('"code":"HOST_NOT_ALLOWED"');
        const probe = await drip(
          base(),
          "GET /readyz HTTP/1.1\r\nHost: 10.9.8.7:8080\r\nConnection: close\r\n\r\n",
          "",
          {
            everyMs: 1000,
            giveUpMs: 10_000,
          },
        );
        expect(probe.status).toBe(200);
        const allowed = await drip(
          base(),
          `GET ${API}/plugins HTTP/1.1\r\nHost: arcade.test\r\n${auth()}Connection: close\r\n\r\n`,
          "",
          {
            everyMs: 1000,
            giveUpMs: 10_000,
          },
        );
        expect(allowed.status).toBe(200);
      });
    });

    describe("metrics", () => {
      it("need a token; the metrics token reads them and nothing else", async () => {
        expect((await fetch(`${base()}/metrics`)).status).toBe(401);
        const metrics = await fetch(`${base()}/metrics`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        });
        expect(metrics.status).toBe(200);
        expect(await metrics.text()).toContain("arcade_http_requests_total");
        const api = await fetch(`${base()}${API}/plugins`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        });
        expect(api.status).toBe(403);
      });

      it("10,000 invented action names (on a loaded plugin and on none) add no series", async () => {
        const p = platform();
        const pluginId = await loadedPlugin();
        // The real action once, so the loaded plugin has its own series.
        expect(
          (await p.call("POST", `${API}/plugins/${pluginId}/actions/send`, { params: { message: "hi" } }))
            .status,
        ).toBe(200);

        const invented = Array.from({ length: 10_000 }, (_, i) =>
          i % 2 === 0
            ? `${API}/plugins/${pluginId}/actions/made-up-${i}`
            : `${API}/plugins/plugin_made_up_${i}/actions/x-${i}`,
        );
        const statuses = new Map<number, number>();
        for (let i = 0; i < invented.length; i += 50) {
          const batch = await Promise.all(
            invented
              .slice(i, i + 50)
              .map(async (path) => (await p.call("POST", path, { params: {} })).status),
          );
          for (const s of batch) statuses.set(s, (statuses.get(s) ?? 0) + 1);
        }
        expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);

        const text = await (
          await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
        ).text();
        const series = text
          .split("\n")
          .filter((line) => line.startsWith("arcade_plugin_action_calls_total{"));
        const plugins = new Set(series.map((line) => /plugin="([^"]*)"/.exec(line)?.[1]));
        // The loaded plugin's real action, and at most one `_other` bucket for everything invented.
        expect(plugins.has(pluginId)).toBe(true);
        expect([...plugins].every((name) => name === pluginId || name === "_other")).toBe(true);
        expect(series.length).toBeLessThanOrEqual(6);
        expect(text).not.toContain("made-up-");
        expect(text).not.toContain("plugin_made_up_");
      });
    });

    // Last: it spends this address's failure budget for the rest of the minute.
    describe("a flood of bad tokens", () => {
      it("ends in 429 with Retry-After, before any token is checked (even a good one)", async () => {
        const statuses: number[] = [];
        let retryAfter: string | null = null;
        for (let i = 0; i < AUTH_FAILURES * 3; i += 1) {
          const res = await fetch(`${base()}${API}/plugins`, {
            headers: { authorization: `Bearer wrong-${i}` },
          });
          statuses.push(res.status);
          if (res.status === 429) retryAfter = res.headers.get("retry-after");
          await res.arrayBuffer();
        }
        expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(AUTH_FAILURES);
        expect(statuses.slice(-AUTH_FAILURES)).toEqual(Array(AUTH_FAILURES).fill(429));
        expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(retryAfter)).toBeLessThanOrEqual(60);
        const good = await platform().request(`${API}/plugins`);
        expect(good.status).toBe(429);
        const body = (await good.json()) as { code: string };
        expect(body.code).toBe("RATE_LIMITED");
      });
    });
  },
);
