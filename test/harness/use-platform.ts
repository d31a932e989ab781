import { afterAll, beforeAll, beforeEach } from "vitest";
import { type Platform, type PlatformOptions, startPlatform } from "./start-platform.js";

/**
 * vitest wiring for one platform per describe block: started in beforeAll, stopped (and its
 * database, objects and Redis keys removed) in afterAll. When a test fails, the platform's log
 * folder is kept and its path plus the tail of every log are printed.
 * Returns a getter, because the platform only exists once beforeAll ran.
 */
export function usePlatform(options: PlatformOptions): () => Platform {
  let platform: Platform | null = null;
  beforeAll(async () => {
    platform = await startPlatform(options);
  });
  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      // An it.fails test is meant to fail: no report, no kept folder.
      if (!platform || task.fails) return;
      platform.keepFiles();
      const report = await platform.logReport(30).catch((error: unknown) => String(error));
      process.stderr.write(`\n[e2e] "${task.name}" failed; the platform's logs:\n${report}\n`);
    });
  });
  afterAll(async () => {
    await platform?.stopAll();
  });
  return () => {
    if (!platform) throw new Error("the platform is not running (did its beforeAll fail?)");
    return platform;
  };
}
