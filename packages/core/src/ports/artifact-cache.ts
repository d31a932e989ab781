export interface ArtifactRef {
  pluginId: string;
  version: string;
  /** Lowercase hex SHA-256 the artifact must have. */
  sha256: string;
  /** Object store key to fetch it from when the cache misses or holds a corrupt copy. */
  objectKey: string;
}

export interface CachedArtifact {
  zipPath: string;
  /** The unpacked folder beside the zip. */
  dir: string;
}

/**
 * Per-node local cache: `{dir}/{pluginId}_{version}.zip` plus the unpacked folder.
 * Every use verifies the checksum; a corrupt or partial copy is discarded and fetched again.
 */
export interface ArtifactCache {
  ensure(ref: ArtifactRef): Promise<CachedArtifact>;
  /** Drops every cached version of a plugin except the ones listed. */
  evict(pluginId: string, keepVersions?: readonly string[]): Promise<void>;
}
