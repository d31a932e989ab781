import { beforeAll } from "vitest";
import { type Platform, type PlatformOptions, usePlatform } from "../../harness/index.js";
import type { CaseContext } from "./hostile-case.js";
import { answerOf } from "./hostile-case.js";
import { pluginArchive } from "./hostile-plugins.js";

/** Upload limit of the hostile platforms: low, so the limit itself is reachable by the corpus. */
export const MAX_PLUGIN_SIZE = 4 * 1024 * 1024;

export const FIXTURE_NAME = "hostile-fixture";

/** The fixture plugin's config accepts one short lower-case greeting and nothing else. */
export const FIXTURE_MANIFEST = {
  configSchema: {
    type: "object",
    additionalProperties: false,
    properties: { greeting: { type: "string", pattern: "^[a-z]{0,20}$" } },
  },
  defaultConfig: { greeting: "hi" },
};

export type HostileContext = Omit<CaseContext, "name">;

/**
 * One API (also a runtime node) and one worker on SQLite + the filesystem store, with
 * plugin.max_plugin_size = 4 MiB, and an installed fixture plugin that the cases aim at
 * (ids, config, actions, name collisions). Returns a getter of the case context.
 */
export function useHostilePlatform(
  label: string,
  extra: Partial<PlatformOptions> = {},
): () => HostileContext {
  const platform = usePlatform({
    apis: 1,
    workers: 1,
    database: "sqlite",
    storage: "fs",
    label,
    ...extra,
    env: { ARCADE_PLUGIN_MAX_PLUGIN_SIZE: `${MAX_PLUGIN_SIZE}B`, ...extra.env },
  });
  let context: HostileContext | null = null;
  beforeAll(async () => {
    const p = platform();
    context = { p, url: p.apis[0]!.url, token: p.token, fixture: await installFixture(p) };
  });
  return () => {
    if (!context) throw new Error("the hostile platform is not ready (did its beforeAll fail?)");
    // The API's URL can change when it is restarted.
    return { ...context, url: context.p.apis[0]!.url };
  };
}

async function installFixture(p: Platform): Promise<{ pluginId: string; name: string }> {
  const accepted = await answerOf(
    await p.request("/api/v1/plugins/install", {
      method: "POST",
      body: uploadForm(pluginArchive(FIXTURE_NAME, { manifest: FIXTURE_MANIFEST })),
    }),
  );
  if (accepted.status !== 202 || !accepted.jobId) {
    throw new Error(`installing the fixture answered ${accepted.status}: ${accepted.text}`);
  }
  const job = await p.waitJob(accepted.jobId);
  if (job.state !== "succeeded" || !job.pluginId)
    throw new Error(`fixture install failed: ${JSON.stringify(job)}`);
  return { pluginId: job.pluginId, name: FIXTURE_NAME };
}

/** multipart form of an upload, as curl -F would send it: source=local + file. */
export function uploadForm(
  zip: Uint8Array,
  options: { fields?: Record<string, string>; fileName?: string; fileField?: string } = {},
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries({ source: "local", ...options.fields }))
    form.append(name, value);
  form.append(
    options.fileField ?? "file",
    new Blob([new Uint8Array(zip)], { type: "application/zip" }),
    options.fileName ?? "plugin.zip",
  );
  return form;
}
