/** Where a market artifact came from and what the market says it must be. */
export interface FetchedArtifact {
  marketId: string;
  version: string;
  size: number;
  sha256: string;
  signature: { keyId: string; signature: string } | null;
}

/**
 * Downloads a market artifact into a local file, streaming and size-limited,
 * checking size and SHA-256 against the catalog. Failures are AppErrors
 * (MARKET_UNAVAILABLE is transient; MARKET_PLUGIN_NOT_FOUND is not).
 */
export interface ArtifactFetcher {
  fetch(request: { marketId: string; version?: string }, destPath: string): Promise<FetchedArtifact>;
}
