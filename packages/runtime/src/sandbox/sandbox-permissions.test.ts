import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { join } from "node:path";
import type { Manifest } from "@arcade/contracts";
import { AppError } from "@arcade/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pluginWorkspace, writePlugin } from "../testing/plugin-fixtures.js";
import { sandboxOf, testSandboxRuntime } from "../testing/sandbox-runtime.js";
import type { Sandbox } from "./sandbox.js";

/** One plugin that tries every escape the issue lists, one action each. */
const HOSTILE = `
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
export default { actions: {
  async read({ path }) { return (await import("node:fs")).readFileSync(path, "utf8").length; },
  async write({ path }) { (await import("node:fs")).writeFileSync(path, "x"); return true; },
  async writeData({ name, text }) { (await import("node:fs")).writeFileSync(name, text); return process.cwd(); },
  async readData({ name }) { return (await import("node:fs")).readFileSync(name, "utf8"); },
  async spawn() { return (await import("node:child_process")).execSync("id").toString(); },
  async worker() { const { Worker } = await import("node:worker_threads"); new Worker("1", { eval: true }); return true; },
  evalIt() { return eval("1 + 1"); },
  fn() { return new Function("return 2")(); },
  addon() { return require("./fake.node"); },
  binding() { return typeof process.binding("spawn_sync"); },
  async connect({ port }) {
    const net = await import("node:net");
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", reject);
      socket.on("connect", () => { socket.destroy(); resolve("connected"); });
    });
  },
  async get({ url }) { const r = await fetch(url); return { status: r.status, body: await r.text(), url: r.url }; },
  async ctxGet({ url }, ctx) { const r = await ctx.fetch(url, { method: "POST", body: "ping" }); return { status: r.status, body: await r.text() }; },
  async caught({ path }) { try { (await import("node:fs")).readFileSync(path); } catch { return "swallowed"; } },
  buffer({ mb }) { return Buffer.alloc(mb * 1024 * 1024, 1).length; },
  heap() { const keep = []; for (;;) keep.push(new Array(100000).fill({ a: 1 })); },
  env() { return { ...process.env }; },
  whoami() { return { uid: process.getuid(), gid: process.getgid(), groups: process.getgroups() }; },
  async procEnviron({ pid }) { return (await import("node:fs")).readFileSync("/proc/" + pid + "/environ", "utf8").length; },
  async sqlite() { const m = await import("node:sqlite"); return typeof m.DatabaseSync; },
  kill({ pid }) { process.kill(pid, "SIGSTOP"); return true; },
} };
`;

let root: string;
let dataRoot: string;
let removeRoot: () => Promise<void>;
const started: Sandbox[] = [];
let web: Server;
let webPort: number;
let otherPort: number;
let tcp: TcpServer;
let tcpPort: number;

beforeAll(async () => {
  ({ root, dataRoot, remove: removeRoot } = await pluginWorkspace());
  web = createServer((req, res) => {
    if (req.url === "/redirect-out") {
      res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/` });
      res.end();
      return;
    }
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => res.end(`hello ${req.method} ${body}`));
  });
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  webPort = (web.address() as AddressInfo).port;
  tcp = createTcpServer((s) => s.end());
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  tcpPort = (tcp.address() as AddressInfo).port;
  otherPort = tcpPort;
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop(500)));
  await new Promise((resolve) => web.close(resolve));
  await new Promise((resolve) => tcp.close(resolve));
  await removeRoot();
});

async function hostile(permissions?: Manifest["permissions"], memoryMb = 64) {
  const spec = await writePlugin(root, {
    pluginId: `p_hostile_${started.length}`,
    source: HOSTILE,
    manifest: permissions ? { permissions } : {},
  });
  await writeFile(join(spec.dir, "fake.node"), "not really an addon");
  const sandbox = await sandboxOf(spec, dataRoot, { memoryMb });
  started.push(sandbox);
  await sandbox.start();
  return sandbox;
}

async function denial(sandbox: Sandbox, action: string, params: unknown = {}): Promise<string> {
  const error = await sandbox.invoke(action, params, 10_000).then(
    (value) => {
      throw new Error(`expected ${action} to be denied, it returned ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("PERMISSION_DENIED");
  return (error as AppError).extras.denied as string;
}

describe("a plugin process under the permission model", () => {
  it("is denied, by name, everything its manifest does not grant", async () => {
    const s = await hostile();
    expect(await denial(s, "read", { path: "/etc/hostname" })).toBe("fs.read /etc/hostname");
    expect(await denial(s, "write", { path: join(root, "escaped") })).toBe(
      `fs.write ${join(root, "escaped")}`,
    );
    expect(await denial(s, "spawn")).toBe("child_process");
    expect(await denial(s, "worker")).toBe("worker_threads");
    expect(await denial(s, "evalIt")).toBe("eval");
    expect(await denial(s, "fn")).toBe("eval");
    expect(await denial(s, "addon")).toBe("addons");
    expect(await denial(s, "binding")).toBe("process.binding");
    expect(await denial(s, "connect", { port: tcpPort })).toBe(`net 127.0.0.1:${tcpPort}`);
    expect(await denial(s, "get", { url: `http://127.0.0.1:${webPort}/` })).toBe(`net 127.0.0.1:${webPort}`);
    expect(s.stats.denials).toBe(10);
    expect(s.stats.lastDenial).toBe(`net 127.0.0.1:${webPort}`);
    // node:sqlite opens files without asking the permission model: it is switched off.
    await expect(s.invoke("sqlite", {}, 5_000)).rejects.toMatchObject({ code: "ACTION_FAILED" });
    // Still serving after all of it.
    expect(s.state).toBe("ready");
    expect(await s.invoke("whoami", {}, 5_000)).toMatchObject({ uid: expect.any(Number) });
  });

  it("counts a denial it did not see only when the plugin lets it surface", async () => {
    const s = await hostile();
    expect(await s.invoke("caught", { path: "/etc/hostname" }, 5_000)).toBe("swallowed");
    expect(s.stats.denials).toBe(0);
  });

  it("reads and writes its own data folder (its working directory), kept for the next version", async () => {
    const s = await hostile();
    const cwd = await s.invoke("writeData", { name: "state.txt", text: "kept" }, 5_000);
    expect(cwd).toBe(join(dataRoot, s.pluginId));
    expect(await s.invoke("readData", { name: "state.txt" }, 5_000)).toBe("kept");
    await s.stop(500);
    const spec = await writePlugin(root, { pluginId: s.pluginId, version: "2.0.0", source: HOSTILE });
    const next = await sandboxOf(spec, dataRoot);
    started.push(next);
    await next.start();
    expect(await next.invoke("readData", { name: "state.txt" }, 5_000)).toBe("kept");
  });

  it("gets only the declared environment variables", async () => {
    const runtime = await testSandboxRuntime();
    const spec = await writePlugin(root, {
      pluginId: "p_env",
      source: HOSTILE,
      manifest: { permissions: { env: ["HTTP_PROXY", "UNSET_ONE"] } },
    });
    const s = await sandboxOf(spec, dataRoot, {
      runtime: { ...runtime, hostEnv: { HTTP_PROXY: "http://proxy:3128", SECRET: "no", PATH: "/bin" } },
    });
    started.push(s);
    await s.start();
    expect(await s.invoke("env", {}, 5_000)).toEqual({ HTTP_PROXY: "http://proxy:3128" });
  });

  it("reaches declared hosts through fetch, and nothing else (redirects included)", async () => {
    const s = await hostile({ network: { hosts: [`127.0.0.1:${webPort}`] } });
    expect(await s.invoke("get", { url: `http://127.0.0.1:${webPort}/x` }, 5_000)).toEqual({
      status: 200,
      body: "hello GET ",
      url: `http://127.0.0.1:${webPort}/x`,
    });
    expect(await s.invoke("ctxGet", { url: `http://127.0.0.1:${webPort}/` }, 5_000)).toEqual({
      status: 200,
      body: "hello POST ping",
    });
    expect(await denial(s, "get", { url: `http://127.0.0.1:${webPort}/redirect-out` })).toBe(
      `net 127.0.0.1:${otherPort}`,
    );
    expect(await denial(s, "get", { url: `http://localhost:${webPort}/` })).toBe(`net localhost:${webPort}`);
    // Declared hosts are for fetch: raw sockets stay off.
    expect(await denial(s, "connect", { port: webPort })).toBe(`net 127.0.0.1:${webPort}`);
    expect(s.stats.denials).toBe(3);
  });

  it("bounds memory outside the heap: a 256 MB Buffer is refused in a 64Mi plugin, which keeps serving", async () => {
    const runtime = await testSandboxRuntime();
    expect(runtime.prlimitPath, "util-linux prlimit is needed to bound total memory").not.toBeNull();
    const s = await hostile();
    expect(s.addressSpaceMb).not.toBeNull();
    await expect(s.invoke("buffer", { mb: 256 }, 10_000)).rejects.toMatchObject({
      code: "ACTION_FAILED",
      message: expect.stringMatching(/Failed to allocate memory|allocation failed|out of memory/i),
    });
    expect(await s.invoke("buffer", { mb: 16 }, 10_000)).toBe(16 * 1024 * 1024);
    expect(s.state).toBe("ready");
  });

  it("contains heap exhaustion: the process dies, nothing else does", async () => {
    const s = await hostile(undefined, 32);
    const crashed = new Promise((resolve) => s.once("crash", resolve));
    await expect(s.invoke("heap", {}, 60_000)).rejects.toMatchObject({ code: "ACTION_FAILED" });
    expect(await crashed).toMatchObject({ reason: expect.stringMatching(/out of memory/) });
  });

  it("runs as the plugin user when the platform is root, and cannot read the platform's /proc", async () => {
    const runtime = await testSandboxRuntime();
    const s = await hostile();
    const who = (await s.invoke("whoami", {}, 5_000)) as { uid: number; gid: number; groups: number[] };
    if (process.getuid?.() === 0) {
      expect(runtime.user).not.toBeNull();
      expect(who.uid).toBe(runtime.user?.uid);
      expect(who.gid).toBe(runtime.user?.gid);
      // No supplementary groups of the platform's (root's) come along.
      expect(who.groups.every((g) => g === runtime.user?.gid)).toBe(true);
      // Below the permission model as well: the OS refuses the plugin user the platform's environ.
      const bare = spawnSync(
        process.execPath,
        ["-e", `require("fs").readFileSync("/proc/${process.pid}/environ")`],
        { uid: runtime.user?.uid as number, gid: runtime.user?.gid as number, env: {}, encoding: "utf8" },
      );
      expect(bare.status).not.toBe(0);
      expect(bare.stderr).toMatch(/EACCES/);
    } else {
      expect(who.uid).toBe(process.getuid?.());
    }
    expect(await denial(s, "procEnviron", { pid: process.pid })).toBe(`fs.read /proc/${process.pid}/environ`);
  });

  it("declared grants open exactly what they name: a host path, raw sockets, child processes", async () => {
    const shared = join(root, "shared");
    await writeFile(join(root, "outside.txt"), "not granted");
    await import("node:fs/promises").then((fs) => fs.mkdir(shared, { recursive: true }));
    await writeFile(join(shared, "in.txt"), "granted");
    const s = await hostile({ fs: { read: [shared] }, network: { raw: true }, process: true });
    expect(await s.invoke("read", { path: join(shared, "in.txt") }, 5_000)).toBe(7);
    expect(await denial(s, "read", { path: join(root, "outside.txt") })).toBe(
      `fs.read ${join(root, "outside.txt")}`,
    );
    expect(await s.invoke("connect", { port: tcpPort }, 5_000)).toBe("connected");
    const id = String(await s.invoke("spawn", {}, 10_000));
    const runtime = await testSandboxRuntime();
    // The child runs as the plugin user too.
    expect(id).toContain(`uid=${runtime.user?.uid ?? process.getuid?.()}`);
  });

  it("cannot signal other processes from JavaScript", async () => {
    const s = await hostile();
    await expect(s.invoke("kill", { pid: process.pid }, 5_000)).rejects.toMatchObject({
      code: "ACTION_FAILED",
      message: expect.stringContaining("process.kill is not available"),
    });
  });
});
