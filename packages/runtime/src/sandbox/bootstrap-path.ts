import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The absolute path of bootstrap.mjs, the plain-JavaScript first module of every plugin
 * process. Beside this module when running from src/ (tests, tsx) or when the build copied
 * it; otherwise a compiled dist/sandbox/ falls back to the source file in ../../src/sandbox/,
 * so a build that copies nothing still works as long as src/ ships with the package.
 */
export function bootstrapPath(): string {
  const candidates = [
    new URL("./bootstrap.mjs", import.meta.url),
    new URL("../../src/sandbox/bootstrap.mjs", import.meta.url),
  ];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `the plugin sandbox bootstrap is missing: looked for ${candidates.map((u) => fileURLToPath(u)).join(" and ")}`,
  );
}
