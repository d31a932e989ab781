import type { FieldError, Manifest } from "@arcade/contracts";
import semver from "semver";
import { AppError } from "../errors/app-error.js";
import { countsAsEnabled, type DependencyPlugin, dependencyNames } from "./dependency-plugin.js";

export interface UnmetDependency {
  name: string;
  /** The range the manifest asks for. */
  version: string;
  /** What is installed: null when nothing of that name is. */
  installed: string | null;
  reason: "not-installed" | "not-enabled" | "version";
}

/**
 * The dependencies of `manifest` that the installed plugins do not meet. A
 * dependency is met by an enabled plugin of that name whose version satisfies the
 * range (a disabled one would leave the dependent without what it needs at run time).
 */
export function unmetDependencies(
  manifest: Pick<Manifest, "name" | "dependencies">,
  installed: readonly DependencyPlugin[],
): UnmetDependency[] {
  const byName = new Map(installed.map((p) => [p.name, p]));
  const unmet: UnmetDependency[] = [];
  for (const dep of manifest.dependencies ?? []) {
    const found = byName.get(dep.name);
    if (!found) {
      unmet.push({ name: dep.name, version: dep.version, installed: null, reason: "not-installed" });
    } else if (!semver.satisfies(found.version, dep.version)) {
      unmet.push({ name: dep.name, version: dep.version, installed: found.version, reason: "version" });
    } else if (!countsAsEnabled(found)) {
      unmet.push({ name: dep.name, version: dep.version, installed: found.version, reason: "not-enabled" });
    }
  }
  return unmet;
}

/**
 * install / update / enable / rollback: every dependency of `manifest` must be met
 * by the installed plugins (the plugin's own older version, if in the list, is
 * ignored), and the dependencies must not lead back to the plugin.
 * Throws DEPENDENCY_MISSING (something is not installed or not enabled; each
 * problem in `errors`), DEPENDENCY_VERSION (all there, some in a version outside
 * the range) or MANIFEST_INVALID (a dependency cycle).
 */
export function checkDependencies(
  manifest: Pick<Manifest, "name" | "dependencies">,
  installed: readonly DependencyPlugin[],
): void {
  const others = installed.filter((p) => p.name !== manifest.name);
  const deps = manifest.dependencies ?? [];
  const cycle = findCycle(manifest, others);
  if (cycle) {
    const index = deps.findIndex((d) => d.name === cycle[1]);
    throw new AppError("MANIFEST_INVALID", `the dependencies of ${manifest.name} form a cycle`, {
      errors: [{ path: `/dependencies/${Math.max(0, index)}`, message: `cycle: ${cycle.join(" -> ")}` }],
      detail: "A plugin cannot depend, directly or through others, on itself.",
    });
  }
  const unmet = unmetDependencies(manifest, others);
  if (unmet.length === 0) return;
  const errors: FieldError[] = unmet.map((u) => ({
    path: `/dependencies/${deps.findIndex((d) => d.name === u.name)}`,
    message: describe(u),
  }));
  const missing = unmet.some((u) => u.reason !== "version");
  const summary = unmet.map((u) => `${u.name}@${u.version}`).join(", ");
  throw new AppError(
    missing ? "DEPENDENCY_MISSING" : "DEPENDENCY_VERSION",
    missing
      ? `${manifest.name} needs plugins that are not installed and enabled: ${summary}`
      : `${manifest.name} needs other versions of: ${summary}`,
    {
      errors,
      detail: "Install (or enable, or update) the plugins it depends on first, then try again.",
      extras: { dependencies: unmet },
    },
  );
}

function describe(u: UnmetDependency): string {
  switch (u.reason) {
    case "not-installed":
      return `${u.name}@${u.version} is not installed`;
    case "not-enabled":
      return `${u.name} ${u.installed} is installed but not enabled`;
    case "version":
      return `${u.name} ${u.installed} is installed; ${u.version} is required`;
  }
}

/** A path root -> ... -> root through the dependency edges, or null. */
function findCycle(
  root: Pick<Manifest, "name" | "dependencies">,
  others: readonly DependencyPlugin[],
): string[] | null {
  const byName = new Map(others.map((p) => [p.name, p]));
  const done = new Set<string>();
  const walk = (name: string, path: string[]): string[] | null => {
    if (name === root.name) return [...path, name];
    if (done.has(name)) return null;
    done.add(name);
    const plugin = byName.get(name);
    for (const next of plugin ? dependencyNames(plugin) : []) {
      const found = walk(next, [...path, name]);
      if (found) return found;
    }
    return null;
  };
  for (const dep of dependencyNames({ manifest: root })) {
    const found = walk(dep, [root.name]);
    if (found) return found;
  }
  return null;
}
