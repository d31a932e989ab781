import { describe, expect, it } from "vitest";
import type { AppError } from "../errors/app-error.js";
import { checkPlatformVersion, supportsPlatform } from "./platform-version.js";

describe("checkPlatformVersion", () => {
  it("accepts no minVersion, an equal one and an older one", () => {
    for (const min of [undefined, null, "", "1.0.0", "0.9.9", "1.0.0-beta.1"]) {
      expect(() => checkPlatformVersion(min, "1.0.0")).not.toThrow();
    }
  });

  it("refuses a newer minVersion with PLATFORM_VERSION_UNSUPPORTED naming both versions", () => {
    for (const min of ["1.0.1", "1.1.0", "2.0.0", "1.0.1-rc.1"]) {
      expect(supportsPlatform(min, "1.0.0")).toBe(false);
      try {
        checkPlatformVersion(min, "1.0.0");
        expect.unreachable();
      } catch (error) {
        expect((error as AppError).code).toBe("PLATFORM_VERSION_UNSUPPORTED");
        expect((error as AppError).message).toContain(min);
        expect((error as AppError).message).toContain("1.0.0");
      }
    }
  });
});
