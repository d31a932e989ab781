import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Manifest } from "@arcade/contracts";
import { AppError, parseManifestJson, validateManifest } from "@arcade/core";

export interface ReadManifestOptions {
  /** Replaces `version` before validation (pack --set-version). */
  version?: string;
}

/**
 * Reads `manifest.json` of a plugin folder and validates it with the platform's
 * own rules, so whatever passes here passes the install step too.
 */
export async function readManifestFile(dir: string, options: ReadManifestOptions = {}): Promise<Manifest> {
  const file = path.join(dir, "manifest.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new AppError(
        "MANIFEST_MISSING",
        `no manifest.json in ${dir}: a plugin folder needs one at its root`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const parsed = parseManifestJson(text);
  if (!parsed.ok) {
    throw new AppError("MANIFEST_INVALID", `${file} ${parsed.errors.map((e) => e.message).join("; ")}`, {
      errors: parsed.errors,
    });
  }
  let raw = parsed.value;
  if (options.version !== undefined && typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    raw = { ...raw, version: options.version };
  }
  const result = validateManifest(raw);
  if (!result.valid || !result.manifest) {
    const list = result.errors.map((e) => `  ${e.path || "(root)"}: ${e.message}`).join("\n");
    throw new AppError("MANIFEST_INVALID", `${file} is invalid; fix these fields:\n${list}`, {
      errors: result.errors,
    });
  }
  return result.manifest;
}

/**
 * The entry module's absolute path. It must be a .js/.mjs file inside the
 * folder: the platform loads nothing from outside the archive.
 */
export async function resolveEntryPoint(dir: string, manifest: Manifest): Promise<string> {
  const root = path.resolve(dir);
  const entry = path.resolve(root, manifest.entryPoint);
  const relative = path.relative(root, entry);
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new AppError("ENTRY_POINT_MISSING", `entryPoint "${manifest.entryPoint}" points outside ${root}`, {
      errors: [{ path: "/entryPoint", message: "must be a path inside the plugin folder" }],
    });
  }
  if (!/\.(m?js)$/.test(entry)) {
    throw new AppError(
      "ENTRY_POINT_MISSING",
      `entryPoint "${manifest.entryPoint}" must be a .js or .mjs file`,
      {
        errors: [{ path: "/entryPoint", message: "must end in .js or .mjs" }],
      },
    );
  }
  const info = await stat(entry).catch(() => null);
  if (!info?.isFile()) {
    throw new AppError(
      "ENTRY_POINT_MISSING",
      `entryPoint "${manifest.entryPoint}" does not exist in ${root}: create it or fix manifest.json`,
      { errors: [{ path: "/entryPoint", message: `file ${manifest.entryPoint} not found` }] },
    );
  }
  return entry;
}
