import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "./errors.js";
import { runCli } from "./run-cli.js";
import { testEnvironment } from "./test-support/capture.js";
import { FakeApi, jobAt, problem } from "./test-support/fake-api.js";

let api: FakeApi;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "arcade-cli-run-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  api = await FakeApi.start();
});
afterEach(async () => {
  await api.close();
});

const PLUGIN = {
  pluginId: "plugin_notify-demo_abc123",
  name: "notify-demo",
  version: "1.2.0",
  description: "demo",
  author: "tests",
  pluginType: "notify",
  entryPoint: "index.mjs",
  configSchema: { type: "object" },
  paramsSchema: null,
  defaultConfig: {},
  icon: "",
  repository: "",
  documentation: "",
  isEnabled: 1,
  isBuiltin: 0,
  checksum: "ab".repeat(32),
  source: "local",
  s3Path: "plugins/x",
  manifest: {},
  installTime: "2024-05-01T10:00:00.000Z",
  updateTime: "2024-05-02T11:30:00.000Z",
};

const done = (type: string) =>
  jobAt(7, { type: type as never, state: "succeeded", pluginId: PLUGIN.pluginId, result: { changed: true } });

/** Runs one command line against the fake API; answers exit code and output. */
async function cli(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {}) {
  const { io, stdout, stderr } = testEnvironment(
    { ARCADE_API_URL: api.url, ARCADE_TOKEN: "t0ken", ...options.env },
    options.cwd ?? dir,
    options.stdin,
  );
  const code = await runCli(args, io);
  return { code, out: stdout.text(), err: stderr.text() };
}

describe("read commands", () => {
  it("list maps its filters to the query and prints a table", async () => {
    api.on("GET", "/api/v1/plugins", () => ({
      status: 200,
      body: {
        items: [PLUGIN, { ...PLUGIN, pluginId: "plugin_b_xyz789", name: "b", isEnabled: 2 }],
        total: 3,
        page: 1,
        pageSize: 2,
      },
    }));
    const { code, out } = await cli([
      "list",
      "--type",
      "notify",
      "--status",
      "enabled",
      "--source",
      "local",
      "-q",
      "demo",
      "--page-size",
      "2",
    ]);
    expect(code).toBe(EXIT.ok);
    expect(Object.fromEntries(api.requests[0]!.query)).toEqual({
      pluginType: "notify",
      status: "1",
      source: "local",
      q: "demo",
      pageSize: "2",
    });
    const lines = out.split("\n");
    expect(lines[0]).toMatch(/^PLUGIN ID\s+NAME\s+VERSION\s+TYPE\s+STATUS\s+SOURCE\s+UPDATED$/);
    expect(lines[1]).toMatch(
      /^plugin_notify-demo_abc123\s+notify-demo\s+1\.2\.0\s+notify\s+enabled\s+local\s+2024-05-02 11:30:00$/,
    );
    expect(lines[2]).toMatch(/^plugin_b_xyz789\s+b\s+.*\berror\b/);
    expect(out).toContain("page 1 of 2, 3 plugins");
  });

  it("get shows the per-node state", async () => {
    api.on("GET", `/api/v1/plugins/${PLUGIN.pluginId}`, () => ({
      status: 200,
      body: {
        ...PLUGIN,
        nodes: [
          { nodeId: "node-a", pluginId: PLUGIN.pluginId, version: "1.2.0", checksum: "x", state: "loaded" },
          {
            nodeId: "node-b",
            pluginId: PLUGIN.pluginId,
            version: "1.1.0",
            checksum: "y",
            state: "error",
            error: "init threw",
          },
        ],
      },
    }));
    const { code, out } = await cli(["get", PLUGIN.pluginId]);
    expect(code).toBe(EXIT.ok);
    expect(out).toContain("plugin_notify-demo_abc123  notify-demo 1.2.0 (notify)");
    expect(out).toMatch(/node-a\s+1\.2\.0\s+loaded/);
    expect(out).toMatch(/node-b\s+1\.1\.0\s+error\s+init threw/);
  });

  it("--json prints the API's document unchanged", async () => {
    api.on("GET", "/api/v1/cluster/nodes", () => ({
      status: 200,
      body: [
        { nodeId: "n1", host: "h", appliedRevision: 4, plugins: [], lastSeen: "2024-05-01T10:00:00.000Z" },
      ],
    }));
    const { code, out } = await cli(["nodes", "--json"]);
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(out)).toEqual([
      { nodeId: "n1", host: "h", appliedRevision: 4, plugins: [], lastSeen: "2024-05-01T10:00:00.000Z" },
    ]);
  });

  it("jobs passes its filters", async () => {
    api.on("GET", "/api/v1/jobs", () => ({
      status: 200,
      body: { items: [done("enable")], total: 1, page: 1, pageSize: 20 },
    }));
    const { code, out } = await cli([
      "jobs",
      "--plugin",
      PLUGIN.pluginId,
      "--state",
      "succeeded",
      "--type",
      "enable",
    ]);
    expect(code).toBe(EXIT.ok);
    expect(Object.fromEntries(api.requests[0]!.query)).toEqual({
      pluginId: PLUGIN.pluginId,
      state: "succeeded",
      type: "enable",
    });
    expect(out).toMatch(/job-1\s+enable\s+plugin_notify-demo_abc123\s+succeeded/);
  });
});

describe("looking a plugin up by name", () => {
  it("list --name asks for that exact name; --ids prints only the ids", async () => {
    api.on("GET", "/api/v1/plugins", () => ({
      status: 200,
      body: { items: [PLUGIN], total: 1, page: 1, pageSize: 20 },
    }));
    const { code, out } = await cli(["list", "--name", "notify-demo", "--ids"]);
    expect(code).toBe(EXIT.ok);
    expect(out).toBe(`${PLUGIN.pluginId}\n`);
    expect(api.requests[0]?.query.get("name")).toBe("notify-demo");
    expect(api.requests[0]?.query.get("q")).toBeNull();
  });
});

describe("mutations", () => {
  it("an install whose name is taken names the installed plugin's id in the hint", async () => {
    const zip = path.join(dir, "notify-demo-1.0.0.zip");
    await writeFile(zip, "PK\u0003\u0004");
    api.on("POST", "/api/v1/plugins/install", () => ({
      status: 200,
      body: jobAt(
        2,
        {
          state: "failed",
          error: {
            code: "PLUGIN_EXISTS",
            message: 'a plugin named "notify-demo" is already installed',
            pluginId: PLUGIN.pluginId,
          },
        },
        "failed",
      ),
    }));
    const { code, err } = await cli(["install", zip]);
    expect(code).toBe(EXIT.failed);
    expect(err).toContain(
      `hint: it is installed as ${PLUGIN.pluginId}: install a new version with \`pnpm exec arcade-plugins update ${PLUGIN.pluginId} <zip>\``,
    );
    expect(err).toContain(`\`pnpm exec arcade-plugins uninstall ${PLUGIN.pluginId}\``);
  });

  it("disable --cascade and uninstall --cascade send cascade=true and follow the job", async () => {
    api.on("POST", `/api/v1/plugins/${PLUGIN.pluginId}/disable`, () => ({
      status: 202,
      body: done("disable"),
    }));
    api.on("DELETE", `/api/v1/plugins/${PLUGIN.pluginId}`, () => ({ status: 202, body: done("uninstall") }));
    expect((await cli(["disable", PLUGIN.pluginId, "--cascade"])).code).toBe(EXIT.ok);
    const uninstall = await cli(["uninstall", PLUGIN.pluginId, "--cascade"]);
    expect(uninstall.code).toBe(EXIT.ok);
    expect(uninstall.out).toContain("uninstall plugin_notify-demo_abc123 succeeded");
    expect(api.requests.map((r) => [r.method, r.query.get("cascade")])).toEqual([
      ["POST", "true"],
      ["DELETE", "true"],
    ]);
  });

  it("config set - reads stdin and PUTs it as JSON", async () => {
    api.on("PUT", `/api/v1/plugins/${PLUGIN.pluginId}/config`, () => ({
      status: 202,
      body: done("configure"),
    }));
    const { code } = await cli(["config", "set", PLUGIN.pluginId, "-"], { stdin: '{"channel":"#ops"}' });
    expect(code).toBe(EXIT.ok);
    expect(api.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(api.requests[0]?.json).toEqual({ channel: "#ops" });
  });

  it("config set refuses a file that is not a JSON object (exit 2, nothing sent)", async () => {
    const file = path.join(dir, "list.json");
    await writeFile(file, "[1,2]");
    const { code, err } = await cli(["config", "set", PLUGIN.pluginId, "list.json"]);
    expect(code).toBe(EXIT.usage);
    expect(err).toContain("the config must be a JSON object");
    expect(api.requests).toHaveLength(0);
  });

  it("rollback --to sends the version", async () => {
    api.on("POST", `/api/v1/plugins/${PLUGIN.pluginId}/rollback`, () => ({
      status: 202,
      body: done("rollback"),
    }));
    expect((await cli(["rollback", PLUGIN.pluginId, "--to", "1.0.0", "--no-wait"])).code).toBe(EXIT.ok);
    expect(api.requests[0]?.json).toEqual({ version: "1.0.0" });
    expect(api.requests).toHaveLength(1);
  });

  it("invoke sends params and timeout and prints the result", async () => {
    api.on("POST", `/api/v1/plugins/${PLUGIN.pluginId}/actions/send`, () => ({
      status: 200,
      body: {
        result: { delivered: true },
        pluginId: PLUGIN.pluginId,
        version: "1.2.0",
        node: "n1",
        durationMs: 3.2,
      },
    }));
    const { code, out, err } = await cli([
      "invoke",
      PLUGIN.pluginId,
      "send",
      "--params",
      '{"message":"hi"}',
      "--timeout",
      "2500",
    ]);
    expect(code).toBe(EXIT.ok);
    expect(api.requests[0]?.json).toEqual({ params: { message: "hi" }, timeoutMs: 2500 });
    expect(JSON.parse(out)).toEqual({ delivered: true });
    expect(err).toContain("send on plugin_notify-demo_abc123 1.2.0, node n1");
  });
});

describe("validate", () => {
  it("streams a zip as the raw body and exits 1 with the errors when it is invalid", async () => {
    const zip = path.join(dir, "demo.zip");
    await writeFile(zip, Buffer.from("PK not really a zip"));
    api.on("POST", "/api/v1/plugins/validate-manifest", () => ({
      status: 200,
      body: { valid: false, errors: [{ path: "/version", message: "must match semver" }], manifest: null },
    }));
    const { code, err } = await cli(["validate", "demo.zip"]);
    expect(code).toBe(EXIT.failed);
    const request = api.requests[0]!;
    expect(request.headers["content-type"]).toBe("application/zip");
    expect(request.headers["content-length"]).toBe(String(request.bodyBytes));
    expect(request.rawSha256).toBe(
      createHash("sha256")
        .update(await readFile(zip))
        .digest("hex"),
    );
    expect(err).toContain("/version: must match semver");
  });

  it("sends a manifest.json as JSON", async () => {
    await writeFile(path.join(dir, "manifest.json"), '{"name":"demo"}');
    api.on("POST", "/api/v1/plugins/validate-manifest", () => ({
      status: 200,
      body: { valid: true, errors: [], manifest: { name: "demo", version: "1.0.0", pluginType: "custom" } },
    }));
    const { code, out } = await cli(["validate", "manifest.json"]);
    expect(code).toBe(EXIT.ok);
    expect(api.requests[0]?.json).toEqual({ name: "demo" });
    expect(out).toContain("is valid: demo 1.0.0 (custom)");
  });
});

describe("errors", () => {
  it("prints code, title, detail, field errors and a hint; exit 1", async () => {
    api.on("PUT", `/api/v1/plugins/${PLUGIN.pluginId}/config`, () =>
      problem(422, "CONFIG_INVALID", "the config does not satisfy the plugin's configSchema", {
        detail: "2 problems",
        errors: [{ path: "/port", message: "must be integer" }],
      }),
    );
    const { code, err } = await cli(["config", "set", PLUGIN.pluginId, "-"], { stdin: '{"port":"x"}' });
    expect(code).toBe(EXIT.failed);
    expect(err.split("\n")).toEqual([
      "error: CONFIG_INVALID (422) the config does not satisfy the plugin's configSchema",
      "  2 problems",
      "  /port: must be integer",
      "  request id: req-test-1",
      // Not on this test's (empty) PATH: the hint names the command that works from the checkout.
      "hint: compare the config with the configSchema shown by `pnpm exec arcade-plugins get <pluginId> --json`",
      "",
    ]);
  });

  it("explains a 401: where the token comes from", async () => {
    api.on("GET", "/api/v1/plugins", () => problem(401, "UNAUTHORIZED", "Authentication required"));
    const { code, err } = await cli(["list"]);
    expect(code).toBe(EXIT.failed);
    expect(err).toContain("error: UNAUTHORIZED (401) Authentication required");
    expect(err).toContain(
      "hint: pass --token or set ARCADE_TOKEN; `npm start` printed the admin token and saved it in .data/admin-token",
    );
  });

  it("points at the running job on 409 OPERATION_IN_PROGRESS", async () => {
    api.on("POST", `/api/v1/plugins/${PLUGIN.pluginId}/enable`, () =>
      problem(409, "OPERATION_IN_PROGRESS", "another operation is running", { inFlightJobId: "job-77" }),
    );
    const { code, err } = await cli(["enable", PLUGIN.pluginId]);
    expect(code).toBe(EXIT.failed);
    expect(err).toContain(
      "hint: wait for it with `pnpm exec arcade-plugins jobs get job-77 --follow`, then retry",
    );
  });

  it("reads a non-problem error body without crashing", async () => {
    api.on("GET", "/api/v1/cluster/nodes", () => ({
      status: 502,
      body: "bad gateway",
      headers: { "content-type": "text/plain" },
    }));
    const { code, err } = await cli(["nodes"]);
    expect(code).toBe(EXIT.failed);
    expect(err).toContain("error: HTTP_502 (502)");
  });

  it("--json puts the problem on stdout as JSON", async () => {
    api.on("GET", `/api/v1/plugins/plugin_x_aaaaaa`, () =>
      problem(404, "PLUGIN_NOT_FOUND", "no plugin with id plugin_x_aaaaaa"),
    );
    const { code, out } = await cli(["get", "plugin_x_aaaaaa", "--json"]);
    expect(code).toBe(EXIT.failed);
    expect(JSON.parse(out).error).toMatchObject({
      code: "PLUGIN_NOT_FOUND",
      status: 404,
      hint: "list the installed plugins with `pnpm exec arcade-plugins list`",
    });
  });

  it("exits 3 with a hint to start the platform when nothing listens", async () => {
    const port = await freePort();
    const { code, err } = await cli(["list"], { env: { ARCADE_API_URL: `http://127.0.0.1:${port}` } });
    expect(code).toBe(EXIT.unreachable);
    expect(err).toContain(`error: cannot reach http://127.0.0.1:${port}/api/v1/plugins: ECONNREFUSED`);
    expect(err).toContain("start it with `npm start`");
  });

  it("exits 2 on bad usage", async () => {
    expect((await cli(["list", "--bogus"])).code).toBe(EXIT.usage);
    expect((await cli(["list", "--page", "0"])).code).toBe(EXIT.usage);
    expect((await cli(["jobs", "--state", "sleeping"])).code).toBe(EXIT.usage);
    expect((await cli(["get"])).code).toBe(EXIT.usage);
    expect((await cli(["frobnicate"])).code).toBe(EXIT.usage);
    expect((await cli(["install"])).code).toBe(EXIT.usage);
    expect((await cli(["install", "x.zip", "--market", "m"])).code).toBe(EXIT.usage);
    expect((await cli(["invoke", PLUGIN.pluginId, "send", "--params", "{nope"])).code).toBe(EXIT.usage);
    expect((await cli(["list", "--url", "ftp://example"])).code).toBe(EXIT.usage);
    expect(api.requests).toHaveLength(0);
    expect((await cli(["--help"])).code).toBe(EXIT.ok);
  });
});

describe("pack", () => {
  it("writes an installable zip through the SDK", async () => {
    const plugin = path.join(dir, "plugin-src");
    await mkdir(plugin, { recursive: true });
    await writeFile(
      path.join(plugin, "manifest.json"),
      JSON.stringify({
        name: "cli-pack-demo",
        version: "0.3.0",
        description: "demo",
        author: "tests",
        pluginType: "custom",
        entryPoint: "index.mjs",
      }),
    );
    await writeFile(
      path.join(plugin, "index.mjs"),
      "export default { actions: { async execute() { return 1; } } };\n",
    );
    const { code, out } = await cli([
      "pack",
      "plugin-src",
      "-o",
      "out/{name}-{version}.zip",
      "--set-version",
      "0.4.0",
    ]);
    expect(code).toBe(EXIT.ok);
    const zip = await readFile(path.join(dir, "out", "cli-pack-demo-0.4.0.zip"));
    expect(zip.subarray(0, 2).toString()).toBe("PK");
    expect(out).toContain("packed cli-pack-demo 0.4.0 (custom)");
    expect(out).toContain("next: arcade-plugins install out/cli-pack-demo-0.4.0.zip");
  });

  it("reports the SDK's refusal with its code (exit 1)", async () => {
    const plugin = path.join(dir, "broken");
    await mkdir(plugin, { recursive: true });
    await writeFile(path.join(plugin, "manifest.json"), JSON.stringify({ name: "broken", version: "nope" }));
    const { code, err } = await cli(["pack", "broken"]);
    expect(code).toBe(EXIT.failed);
    expect(err).toMatch(/^error: MANIFEST_INVALID /m);
    expect(err).toContain("/version");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
