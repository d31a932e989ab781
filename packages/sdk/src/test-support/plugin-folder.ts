import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** A throwaway plugin folder for one test; `remove` deletes it. */
export interface TempPlugin {
  dir: string;
  write(name: string, content: string | object): Promise<string>;
  remove(): Promise<void>;
}

export const NOTIFY_MANIFEST = {
  name: "tmp-notify",
  version: "1.0.0",
  pluginType: "notify",
  entryPoint: "index.mjs",
};

export const NOTIFY_ENTRY = `export default {
  async init(ctx) { ctx.logger.info("up", { v: ctx.version }); },
  actions: {
    async send(params, ctx) { return { got: params, prefix: ctx.config.prefix }; },
    async sendTemplate() { return {}; },
  },
  async cleanup() { globalThis.__tmpNotifyCleanups = (globalThis.__tmpNotifyCleanups ?? 0) + 1; },
};
`;

export async function tempPlugin(files: Record<string, string | object> = {}): Promise<TempPlugin> {
  const dir = await mkdtemp(path.join(tmpdir(), "arcade-sdk-"));
  const write = async (name: string, content: string | object): Promise<string> => {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
    return file;
  };
  for (const [name, content] of Object.entries(files)) await write(name, content);
  return { dir, write, remove: () => rm(dir, { recursive: true, force: true }) };
}
