import semver from "semver";
import { AppError } from "../errors/app-error.js";

/** True when a platform of `platformVersion` meets a manifest's `minVersion` (absent: any). */
export function supportsPlatform(minVersion: string | null | undefined, platformVersion: string): boolean {
  if (!minVersion) return true;
  const min = semver.valid(minVersion);
  return min !== null && semver.gte(platformVersion, min);
}

/** install / update / rollback: PLATFORM_VERSION_UNSUPPORTED when the plugin needs a newer platform. */
export function checkPlatformVersion(minVersion: string | null | undefined, platformVersion: string): void {
  if (supportsPlatform(minVersion, platformVersion)) return;
  throw new AppError(
    "PLATFORM_VERSION_UNSUPPORTED",
    `the plugin needs platform ${minVersion} or newer; this platform is ${platformVersion}`,
    {
      errors: [{ path: "/minVersion", message: `needs ${minVersion}; the platform is ${platformVersion}` }],
      detail: "Upgrade the platform, or install an older version of the plugin.",
      extras: { minVersion, platformVersion },
    },
  );
}
