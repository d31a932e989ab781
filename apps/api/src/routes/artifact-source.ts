import type { ArtifactSource, StagedArtifact } from "@arcade/contracts";
import { AppError, checkJsonShape, MANIFEST_JSON_LIMITS } from "@arcade/core";

const MODULE_FILE = /\.(m?js)$/i;

export interface ReceivedFile {
  size: number;
  sha256: string;
  fileName: string;
}

/**
 * The artifact of an install/update from its multipart fields: `source=local`
 * with a staged zip (or one .js/.mjs file plus a `manifest` field), or
 * `source=market` with `marketId` (+ `version`). Bad combinations are 400s
 * naming the field.
 */
export function artifactSource(
  fields: Record<string, string>,
  file: ReceivedFile | null,
  stagedKey: string,
): ArtifactSource {
  const source = fields.source ?? (file ? "local" : undefined);
  if (source === "market") {
    if (file) throw invalid("/file", "a market install takes no file: send marketId (and version)");
    const marketId = fields.marketId?.trim();
    if (!marketId) throw invalid("/marketId", "is required when source=market");
    if (marketId.length > 200) throw invalid("/marketId", "must be at most 200 characters");
    const version = fields.version?.trim();
    if (version && version.length > 64) throw invalid("/version", "must be at most 64 characters");
    return { source: "market", marketId, ...(version ? { version } : {}) };
  }
  if (source !== "local") throw invalid("/source", 'must be "local" or "market"');
  if (!file)
    throw invalid("/file", "is required when source=local (a .zip, or one .js/.mjs file plus manifest)");
  const isModule = MODULE_FILE.test(file.fileName);
  const artifact: StagedArtifact = {
    key: stagedKey,
    size: file.size,
    sha256: file.sha256,
    kind: isModule ? "module" : "zip",
    fileName: safeFileName(file.fileName),
  };
  if (isModule) {
    if (!fields.manifest) throw invalid("/manifest", "is required with a single .js/.mjs file");
    try {
      artifact.manifest = JSON.parse(fields.manifest);
    } catch (error) {
      throw new AppError(
        "MALFORMED_JSON",
        `the manifest field is not valid JSON: ${(error as Error).message}`,
      );
    }
    // The manifest goes into the job payload: a deep document would overflow the stack of
    // JSON.stringify when the operation row is written (a 500 instead of a 400).
    const shape = checkJsonShape(
      artifact.manifest,
      {
        maxDepth: MANIFEST_JSON_LIMITS.maxDepth,
        maxNodes: 200_000,
      },
      "/manifest",
    );
    if (shape)
      throw new AppError("VALIDATION_FAILED", `the manifest field ${shape.message}`, { errors: [shape] });
  }
  if (fields.signature || fields.keyId) {
    if (!fields.signature || !fields.keyId) throw invalid("/signature", "signature and keyId go together");
    artifact.signature = { keyId: fields.keyId, signature: fields.signature };
  }
  return { source: "local", staged: artifact };
}

/** The base name, with anything but word characters, dots and dashes replaced: it ends up in paths and logs. */
function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "upload";
  return base.replace(/[^\w.-]/g, "_").slice(0, 200) || "upload";
}

function invalid(path: string, message: string): AppError {
  return new AppError("VALIDATION_FAILED", `${path.slice(1)} ${message}`, { errors: [{ path, message }] });
}
