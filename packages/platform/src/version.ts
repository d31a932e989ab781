/** The platform's own version: what `minVersion` in a manifest is checked against. */
export const PLATFORM_VERSION = "1.0.0";
