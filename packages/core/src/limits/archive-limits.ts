const MiB = 1024 * 1024;

/**
 * Bounds on an uploaded plugin archive. The worker passes the values from `[plugin]` config.
 * A domain setting (jobs carry it in their settings), so it lives in core; @arcade/archive enforces it.
 */
export interface ArchiveLimits {
  /** Size of the .zip file itself (config `max_plugin_size`). */
  maxCompressedBytes: number;
  /** Entries in the central directory, directories included (`max_entries`). */
  maxEntries: number;
  /** Sum of all entries' uncompressed sizes (`max_uncompressed_size`). */
  maxUncompressedBytes: number;
  /**
   * Uncompressed/compressed, per entry and for the whole archive (`max_compression_ratio`).
   * Checked once the uncompressed side passes 1 MiB (@arcade/archive's RATIO_GRACE_BYTES): small, highly
   * repetitive files are normal and harmless.
   */
  maxCompressionRatio: number;
  /** Size of manifest.json. */
  maxManifestBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxCompressedBytes: 50 * MiB,
  maxEntries: 10_000,
  maxUncompressedBytes: 200 * MiB,
  maxCompressionRatio: 100,
  maxManifestBytes: 1 * MiB,
});

/** The defaults with any given values on top. */
export function resolveArchiveLimits(limits: Partial<ArchiveLimits> = {}): ArchiveLimits {
  const out = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const key of Object.keys(out) as (keyof ArchiveLimits)[]) {
    const value = limits[key];
    if (typeof value === "number" && !Number.isNaN(value) && value >= 0) out[key] = value;
  }
  return out;
}
