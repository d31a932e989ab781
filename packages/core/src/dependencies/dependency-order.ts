import { dependencyNames } from "./dependency-plugin.js";

/**
 * Plugins ordered so that each comes after the installed plugins it depends on:
 * the order a node loads them in (and the reverse is the order to unload).
 * Ties keep name order; a cycle (only possible in hand-edited data) is broken
 * where it closes instead of looping.
 */
export function dependencyOrder<T extends { name: string; manifest: { dependencies?: { name: string }[] } }>(
  plugins: readonly T[],
): T[] {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const sorted = [...plugins].sort((a, b) => a.name.localeCompare(b.name));
  const out: T[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (plugin: T) => {
    if (state.has(plugin.name)) return;
    state.set(plugin.name, "visiting");
    for (const dep of dependencyNames(plugin)) {
      const found = byName.get(dep);
      if (found) visit(found);
    }
    state.set(plugin.name, "done");
    out.push(plugin);
  };
  for (const p of sorted) visit(p);
  return out;
}
