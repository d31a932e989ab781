import semver from "semver";
import { AppError } from "../errors/app-error.js";
import { countsAsEnabled, type DependencyPlugin } from "./dependency-plugin.js";

export interface Dependent {
  pluginId: string;
  name: string;
  version: string;
  /** The range the dependent asks of the plugin. */
  requires: string;
}

export type DependentScope = "enabled" | "all";

function dependentsOf(
  name: string,
  plugins: readonly DependencyPlugin[],
  scope: DependentScope,
): Dependent[] {
  const out: Dependent[] = [];
  for (const p of plugins) {
    if (p.name === name) continue;
    if (scope === "enabled" && !countsAsEnabled(p)) continue;
    const dep = p.manifest.dependencies?.find((d) => d.name === name);
    if (dep) out.push({ pluginId: p.pluginId, name: p.name, version: p.version, requires: dep.version });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The enabled plugins that name `pluginName` among their direct dependencies. */
export function enabledDependents(pluginName: string, plugins: readonly DependencyPlugin[]): Dependent[] {
  return dependentsOf(pluginName, plugins, "enabled");
}

/**
 * disable / uninstall without cascade: refused with DEPENDENTS_EXIST (409) while
 * enabled plugins depend on the plugin; `extras.dependents` lists them.
 */
export function assertNoEnabledDependents(
  plugin: { pluginId: string; name: string },
  plugins: readonly DependencyPlugin[],
  action: "disable" | "uninstall",
): void {
  const dependents = enabledDependents(plugin.name, plugins);
  if (dependents.length === 0) return;
  const names = dependents.map((d) => `${d.name} (${d.pluginId})`).join(", ");
  throw new AppError(
    "DEPENDENTS_EXIST",
    `cannot ${action} ${plugin.name}: enabled plugins depend on it: ${names}`,
    {
      // In `errors` too: a job's recorded error keeps code, message and errors, not extras.
      errors: dependents.map((d, i) => ({
        path: `/dependents/${i}`,
        message: `${d.name} ${d.version} (${d.pluginId}) requires ${plugin.name}@${d.requires}`,
      })),
      detail: `Disable those first, or send cascade=true to ${action} them too (dependents first).`,
      extras: { dependents },
    },
  );
}

/**
 * The plugins a cascading disable/uninstall of `pluginName` must handle first,
 * transitively, ordered so that every plugin comes before the ones it depends on
 * (the plugin itself is not in the list: the caller handles it last). `scope`
 * "enabled" follows enabled dependents only (what a disable must turn off);
 * "all" follows every installed one. Cycles cannot loop: each plugin appears once.
 */
export function cascadeOrder(
  pluginName: string,
  plugins: readonly DependencyPlugin[],
  scope: DependentScope = "enabled",
): Dependent[] {
  const order: Dependent[] = [];
  const seen = new Set<string>([pluginName]);
  // Depth-first, post-order over "is depended on by": a plugin is emitted once
  // everything that depends on it has been.
  const visit = (name: string) => {
    for (const d of dependentsOf(name, plugins, scope)) {
      if (seen.has(d.name)) continue;
      seen.add(d.name);
      visit(d.name);
      order.push(d);
    }
  };
  visit(pluginName);
  return order;
}

/**
 * update / rollback of a plugin that others depend on: the new version must still
 * satisfy every enabled dependent's range. Throws DEPENDENCY_VERSION naming them.
 */
export function checkDependentsAccept(
  plugin: { name: string },
  newVersion: string,
  plugins: readonly DependencyPlugin[],
): void {
  const broken = enabledDependents(plugin.name, plugins).filter(
    (d) => !semver.satisfies(newVersion, d.requires),
  );
  if (broken.length === 0) return;
  throw new AppError(
    "DEPENDENCY_VERSION",
    `${plugin.name} ${newVersion} does not satisfy plugins that depend on it: ` +
      broken.map((d) => `${d.name} needs ${d.requires}`).join(", "),
    {
      errors: broken.map((d) => ({
        path: "/version",
        message: `${d.name} requires ${plugin.name}@${d.requires}`,
      })),
      detail: "Update or disable those plugins first, or choose a version inside their ranges.",
      extras: { dependents: broken },
    },
  );
}
