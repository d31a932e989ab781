import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { type Platform, type PlatformOptions, startPlatform } from "../../harness/index.js";
import { FaultServices, type ServiceName } from "./fault-services.js";

export interface FaultSuiteOptions {
  /** Part of the temp folder's name and of the platform's label. */
  label: string;
  /** Private servers for this suite (default: all three). */
  services?: ServiceName[];
  platform: Omit<PlatformOptions, "label">;
}

export interface FaultSuite {
  services(): FaultServices;
  platform(): Platform;
}

/**
 * One describe block's private servers plus a platform on them: the servers start first, the
 * harness is pointed at them (ARCADE_TEST_* in this test process), then the platform starts.
 * afterAll brings every server back up (a test may have left one stopped or paused), stops the
 * platform (dropping its database, objects and keys) and then the servers. When a test fails,
 * the folder with every log (platform and servers) is kept and its path printed.
 */
export function useFaultPlatform(options: FaultSuiteOptions): FaultSuite {
  const names = options.services ?? (["redis", "mariadb", "s3rver"] as ServiceName[]);
  let services: FaultServices | null = null;
  let platform: Platform | null = null;
  let restoreEnv: (() => void) | null = null;
  let keep = false;

  /** Every server running and answering again (a failed test may have left one stopped or paused). */
  async function restoreServices(): Promise<void> {
    if (!services) return;
    for (const name of names) {
      services.resume(name);
      if (!services.isRunning(name)) await services.start(name).catch(() => {});
    }
  }

  beforeAll(async () => {
    services = await FaultServices.start(names, options.label);
    restoreEnv = services.useForHarness();
    platform = await startPlatform({ ...options.platform, label: options.label });
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      keep = true;
      if (!platform) return;
      platform.keepFiles();
      const report = await platform.logReport(30).catch((error: unknown) => String(error));
      process.stderr.write(
        `\n[faults] a test failed; servers and logs kept in ${services?.root}\n${report}\n`,
      );
    });
  });

  // So one failed test does not fail the next ones of the file for a server it left down.
  afterEach(restoreServices);

  afterAll(async () => {
    try {
      await restoreServices();
      await platform?.stopAll();
    } finally {
      restoreEnv?.();
      await services?.stopAll({ keepFiles: keep });
    }
  });

  return {
    services: () => {
      if (!services) throw new Error("the fault services are not running (did beforeAll fail?)");
      return services;
    },
    platform: () => {
      if (!platform) throw new Error("the platform is not running (did beforeAll fail?)");
      return platform;
    },
  };
}
