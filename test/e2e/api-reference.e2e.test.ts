import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { missingServices, skipReason, usePlatform } from "../harness/index.js";

// The API reference page (/docs) in a real browser: headless Chromium (the test command's
// setup installs Debian's chromium) opens it on a running platform with every host but
// 127.0.0.1 unresolvable, so the page can only render from the platform's own files, and the
// rendered DOM must list the operations of the OpenAPI document the API serves.

/** Chromium from ARCADE_TEST_CHROMIUM or the PATH (Debian names it `chromium`). */
function findChromium(): string | null {
  const named = process.env.ARCADE_TEST_CHROMIUM;
  const candidates = named
    ? [named]
    : (process.env.PATH ?? "")
        .split(delimiter)
        .flatMap((dir) => [join(dir, "chromium"), join(dir, "chromium-browser")]);
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not this one
    }
  }
  return null;
}

const chromium = findChromium();
const missing = [
  ...missingServices({ database: "sqlite", storage: "fs" }),
  ...(chromium ? [] : ["chromium (apt-get install chromium, or ARCADE_TEST_CHROMIUM)"]),
];

/** Renders `url` headless and answers the DOM after scripts ran (bounded by virtual time and a kill). */
async function renderedDom(url: string): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), "arcade-chromium-"));
  try {
    const child = spawn(
      chromium as string,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        `--user-data-dir=${profile}`,
        // Any other host fails to resolve: a page needing a CDN would render empty.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=15000",
        "--dump-dom",
        url,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    child.stderr.resume();
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(killer);
    if (code !== 0) throw new Error(`chromium exited with ${code}`);
    return out;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

describe.skipIf(missing.length > 0)(
  `the API reference page in a browser${missing.length ? ` (${skipReason(missing)})` : ""}`,
  () => {
    const platform = usePlatform({
      label: "api-reference",
      apis: 1,
      workers: 0,
      database: "sqlite",
      storage: "fs",
    });

    it("renders every documented path from the platform's own files, with no other host reachable", async () => {
      const base = platform().apis[0]!.url;
      const document = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
        paths: Record<string, unknown>;
      };
      const paths = Object.keys(document.paths);
      expect(paths.length).toBeGreaterThan(10);

      const dom = await renderedDom(`${base}/docs`);
      expect(dom).toContain('id="swagger-ui"');
      // Swagger UI wrote one block per operation, each naming its path.
      const rendered = new Set([...dom.matchAll(/data-path="([^"]+)"/g)].map((m) => m[1]));
      for (const path of paths) expect(rendered, `rendered ${path}`).toContain(path);
    }, 120_000);
  },
);
