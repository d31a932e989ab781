const MiB = 1024 * 1024;

/** Below this many uncompressed bytes the compression ratio is not checked. */
export const RATIO_GRACE_BYTES = 1 * MiB;

/** Longest entry name (bytes of UTF-8); the zip format allows 64 KiB. */
export const MAX_ENTRY_NAME_BYTES = 1024;
