import semver from "semver";

export interface DependencyNode {
  id: string;
  /** Plugin name: what other manifests' `dependencies[].name` refer to. */
  name: string;
  version: string;
  dependencies: readonly { name: string; version: string }[];
}

export interface DependencyOrder<T> {
  /** Loadable nodes, every dependency before its dependents; ties by name. */
  order: T[];
  /** Nodes that must not load, by id, with the reason. */
  blocked: Map<string, string>;
}

/**
 * Sorts plugins so that dependencies load first. A plugin whose dependency is
 * missing, of a version outside the range, in a cycle, or itself blocked is
 * blocked; the others are unaffected.
 */
export function dependencyOrder<T extends DependencyNode>(nodes: readonly T[]): DependencyOrder<T> {
  const blocked = new Map<string, string>();
  const byName = new Map<string, T>();
  for (const node of [...nodes].sort((a, b) => compare(a.id, b.id))) {
    if (byName.has(node.name)) blocked.set(node.id, `another enabled plugin is also named "${node.name}"`);
    else byName.set(node.name, node);
  }
  const candidates = [...byName.values()];

  const dependents = new Map<string, T[]>();
  const waitingOn = new Map<string, number>();
  for (const node of candidates) {
    let count = 0;
    for (const dep of node.dependencies) {
      const target = byName.get(dep.name);
      if (!target) continue;
      count += 1;
      dependents.set(target.id, [...(dependents.get(target.id) ?? []), node]);
    }
    waitingOn.set(node.id, count);
  }

  // Kahn's algorithm; the ready list is kept sorted by name for a stable order.
  const sorted: T[] = [];
  let ready = candidates.filter((n) => waitingOn.get(n.id) === 0).sort(byNodeName);
  while (ready.length > 0) {
    const node = ready.shift()!;
    sorted.push(node);
    const freed: T[] = [];
    for (const dependent of dependents.get(node.id) ?? []) {
      const left = (waitingOn.get(dependent.id) ?? 0) - 1;
      waitingOn.set(dependent.id, left);
      if (left === 0) freed.push(dependent);
    }
    if (freed.length > 0) ready = [...ready, ...freed].sort(byNodeName);
  }

  const order: T[] = [];
  for (const node of sorted) {
    const problem = directProblem(node, byName) ?? blockedDependency(node, byName, blocked);
    if (problem) blocked.set(node.id, problem);
    else order.push(node);
  }
  const cyclic = new Set(candidates.filter((n) => !sorted.includes(n)).map((n) => n.id));
  for (const node of candidates) {
    if (!cyclic.has(node.id)) continue;
    const cycle = findCycle(node, byName, cyclic);
    blocked.set(
      node.id,
      cycle
        ? `dependency cycle: ${cycle.join(" -> ")}`
        : "depends on a plugin that is part of a dependency cycle",
    );
  }
  return { order, blocked };
}

function directProblem<T extends DependencyNode>(node: T, byName: Map<string, T>): string | null {
  for (const dep of node.dependencies) {
    const target = byName.get(dep.name);
    if (!target) return `dependency "${dep.name}" (${dep.version}) is not installed or not enabled`;
    if (!semver.satisfies(target.version, dep.version, { includePrerelease: true })) {
      return `dependency "${dep.name}" must satisfy ${dep.version}, but version ${target.version} is enabled`;
    }
  }
  return null;
}

function blockedDependency<T extends DependencyNode>(
  node: T,
  byName: Map<string, T>,
  blocked: Map<string, string>,
): string | null {
  for (const dep of node.dependencies) {
    const target = byName.get(dep.name);
    const why = target ? blocked.get(target.id) : undefined;
    if (why) return `dependency "${dep.name}" cannot load (${why})`;
  }
  return null;
}

/** Names along a path from `start` back to itself inside `within`, or null. */
function findCycle<T extends DependencyNode>(
  start: T,
  byName: Map<string, T>,
  within: Set<string>,
): string[] | null {
  const path: T[] = [];
  const seen = new Set<string>();
  const walk = (node: T): boolean => {
    path.push(node);
    for (const dep of node.dependencies) {
      const target = byName.get(dep.name);
      if (!target || !within.has(target.id)) continue;
      if (target.id === start.id) return true;
      if (seen.has(target.id)) continue;
      seen.add(target.id);
      if (walk(target)) return true;
    }
    path.pop();
    return false;
  };
  return walk(start) ? [...path.map((n) => n.name), start.name] : null;
}

function byNodeName(a: DependencyNode, b: DependencyNode): number {
  return compare(a.name, b.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
