import { afterAll, beforeAll, beforeEach } from "vitest";
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
  let services: FaultServices | null = null;
  let platform: Platform | null = null;
  let restoreEnv: (() => void) | null = null;
  let keep = false;

  beforeAll(async () => {
    services = await FaultServices.start(options.services ?? ["redis", "mariadb", "s3rver"], options.label);
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

  afterAll(async () => {
    try {
      if (services) {
        for (const name of ["redis", "mariadb", "s3rver"] as const) {
          services.resume(name);
          if (
            !services.isRunning(name) &&
            (options.services ?? ["redis", "mariadb", "s3rver"]).includes(name)
          )
            await services.start(name).catch(() => {});
        }
      }
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
