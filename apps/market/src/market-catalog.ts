import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { inspectArchive } from "@arcade/archive";
import type { Manifest } from "@arcade/contracts";
import {
  isAppError,
  type Logger,
  parseSignatureFile,
  signSha256Hex,
  silentLogger,
  slugify,
} from "@arcade/core";
import semver from "semver";
import type { MarketSigner } from "./signing-key.js";

/** One published version: a zip in the folder. */
export interface CatalogVersion {
  marketId: string;
  version: string;
  manifest: Manifest;
  file: string;
  size: number;
  sha256: string;
  signature: string | null;
  keyId: string | null;
  publishedAt: Date;
}

export interface CatalogPlugin {
  marketId: string;
  /** Newest first. */
  versions: CatalogVersion[];
}

export interface ScanReport {
  versions: number;
  skipped: { file: string; reason: string }[];
}

/**
 * The market's catalog: every `*.zip` in one folder, read with the platform's
 * own archive checks. A zip's manifest gives the plugin (market id: the slug of
 * its name) and version. Each version is signed with the market's key, unless a
 * publisher signature `<zip>.sig.json` (what `arcade-plugin pack --sign` writes)
 * matches it: then that one is served as it is.
 *
 * Entries are plain mutable objects on purpose: tests edit them to serve a wrong
 * catalog. A zip changed after the scan is served as it is now (`rescan` re-reads).
 */
export class MarketCatalog {
  private byId = new Map<string, CatalogPlugin>();

  constructor(
    readonly dir: string,
    private readonly signer: MarketSigner,
    private readonly logger: Logger = silentLogger,
  ) {}

  async rescan(): Promise<ScanReport> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith(".zip")).sort();
    const byId = new Map<string, CatalogPlugin>();
    const nameOf = new Map<string, string>();
    const report: ScanReport = { versions: 0, skipped: [] };
    for (const name of names) {
      const file = join(this.dir, name);
      try {
        const entry = await this.read(file);
        const owner = nameOf.get(entry.marketId);
        if (owner !== undefined && owner !== entry.manifest.name) {
          throw new Error(`market id ${entry.marketId} is already taken by "${owner}"`);
        }
        nameOf.set(entry.marketId, entry.manifest.name);
        const plugin = byId.get(entry.marketId) ?? { marketId: entry.marketId, versions: [] };
        if (plugin.versions.some((v) => v.version === entry.version)) {
          throw new Error(`${entry.marketId} ${entry.version} is already published by another zip`);
        }
        plugin.versions.push(entry);
        plugin.versions.sort((a, b) => semver.rcompare(a.version, b.version));
        byId.set(entry.marketId, plugin);
        report.versions += 1;
      } catch (error) {
        const reason = isAppError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
        this.logger.warn({ file, reason }, "zip left out of the catalog");
        report.skipped.push({ file, reason });
      }
    }
    this.byId = byId;
    return report;
  }

  plugins(): CatalogPlugin[] {
    return [...this.byId.values()].sort((a, b) => a.marketId.localeCompare(b.marketId));
  }

  find(marketId: string): CatalogPlugin | undefined {
    return this.byId.get(marketId);
  }

  findVersion(marketId: string, version: string): CatalogVersion | undefined {
    return this.byId.get(marketId)?.versions.find((v) => v.version === version);
  }

  private async read(file: string): Promise<CatalogVersion> {
    const inspection = await inspectArchive(file, { maxCompressedBytes: Number.MAX_SAFE_INTEGER });
    const { manifest, sha256, size } = inspection;
    const publisher = await this.publisherSignature(file, sha256);
    return {
      marketId: slugify(manifest.name),
      version: manifest.version,
      manifest,
      file,
      size,
      sha256,
      signature: publisher?.signature ?? signSha256Hex(sha256, this.signer.privateKey),
      keyId: publisher?.keyId ?? this.signer.keyId,
      publishedAt: (await stat(file)).mtime,
    };
  }

  private async publisherSignature(file: string, sha256: string) {
    let text: string;
    try {
      text = await readFile(`${file}.sig.json`, "utf8");
    } catch {
      return null;
    }
    const sig = parseSignatureFile(JSON.parse(text));
    if (sig.sha256 !== sha256) {
      // Re-signing it with the market's key would launder a changed artifact.
      throw new Error(`${file}.sig.json signs another artifact (SHA-256 ${sig.sha256})`);
    }
    return sig;
  }
}
