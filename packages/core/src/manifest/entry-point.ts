import { relativePathProblem } from "./relative-path.js";

/** `./dist/index.js` and `dist/index.js` name the same file: keep the short spelling. */
export function normaliseEntryPoint(entryPoint: string): string {
  let out = entryPoint;
  while (out.startsWith("./")) out = out.slice(2);
  return out;
}

/**
 * Why an entryPoint is unusable, or null. It must be a safe relative POSIX path
 * (see relativePathProblem) to an ES module file: a name ending in `.js` or `.mjs`.
 */
export function entryPointProblem(entryPoint: string): string | null {
  const path = normaliseEntryPoint(entryPoint);
  const problem = relativePathProblem(path);
  if (problem) return `must be a relative path inside the plugin: it ${problem}`;
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (!/^.+\.m?js$/.test(base)) return "must name a .js or .mjs file";
  return null;
}
