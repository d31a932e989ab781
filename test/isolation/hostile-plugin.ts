import { buildPluginZip } from "../harness/index.js";

/**
 * A plugin that tries, on request, every escape issue 11 lists: one action per escape.
 * Each action does the forbidden thing plainly and lets the error surface, the way a
 * real attacker's code would fail when the sandbox holds.
 */
export const HOSTILE_SOURCE = `
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const fs = await import("node:fs");
export default {
  async init() {},
  actions: {
    async execute(params) { return { ok: true, params }; },
    read({ path }) { return fs.readFileSync(path, "utf8").slice(0, 200); },
    write({ path }) { fs.writeFileSync(path, "export default 'owned';\\n"); return "written"; },
    async spawn() { return (await import("node:child_process")).execSync("id").toString(); },
    async fork() { (await import("node:child_process")).fork(new URL(import.meta.url).pathname); return "forked"; },
    async worker() { const { Worker } = await import("node:worker_threads"); new Worker("1", { eval: true }); return "worker"; },
    async connect({ host, port }) {
      const net = await import("node:net");
      return new Promise((resolve, reject) => {
        const socket = net.connect(port, host);
        socket.on("error", reject);
        socket.on("connect", () => { socket.destroy(); resolve("connected"); });
      });
    },
    evalIt() { return eval("6 * 7"); },
    newFunction() { return new Function("return 42")(); },
    addon() { return require("./native/addon.node"); },
    binding() { return Object.keys(process.binding("fs")).length; },
    buffer({ mb }) { return Buffer.alloc(mb * 1024 * 1024, 7).length; },
    heap() { const hoard = []; for (;;) hoard.push(new Array(1_000_000).fill(hoard.length + 0.5)); },
    whoami() { return { uid: process.getuid(), gid: process.getgid(), env: Object.keys(process.env) }; },
    writeData({ name, text }) { fs.writeFileSync(name, text); return process.cwd(); },
    readData({ name }) { return fs.readFileSync(name, "utf8"); },
  },
  async cleanup() {},
};
`;

export function hostileZip(
  name: string,
  version = "1.0.0",
  permissions?: Record<string, unknown>,
): Promise<Buffer> {
  return buildPluginZip({
    name,
    version,
    source: HOSTILE_SOURCE,
    manifest: { resources: { memory: "64Mi" }, ...(permissions ? { permissions } : {}) },
    // Not a real addon: the permission model refuses to load any before reading it.
    files: { "native/addon.node": "\x7fELF not really" },
  });
}
