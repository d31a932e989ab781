import { describe, expect, it } from "vitest";
import { type DependencyNode, dependencyOrder } from "./topo-sort.js";

const node = (name: string, version = "1.0.0", deps: Record<string, string> = {}): DependencyNode => ({
  id: `id_${name}`,
  name,
  version,
  dependencies: Object.entries(deps).map(([n, v]) => ({ name: n, version: v })),
});

describe("dependencyOrder", () => {
  it("puts every dependency before its dependents, ties by name", () => {
    const { order, blocked } = dependencyOrder([
      node("web", "1.0.0", { api: "^2", auth: "*" }),
      node("api", "2.3.1", { db: "~1.2.0" }),
      node("db", "1.2.9"),
      node("auth"),
      node("zeta"),
    ]);
    expect(order.map((n) => n.name)).toEqual(["auth", "db", "api", "web", "zeta"]);
    expect(blocked.size).toBe(0);
  });

  it("blocks missing, mismatched and cyclic dependencies and whatever depends on them", () => {
    const { order, blocked } = dependencyOrder([
      node("a", "1.0.0", { missing: "*" }),
      node("b", "1.0.0", { c: ">=2" }),
      node("c", "1.5.0"),
      node("x", "1.0.0", { y: "*" }),
      node("y", "1.0.0", { x: "*" }),
      node("self", "1.0.0", { self: "*" }),
      node("downstream", "1.0.0", { x: "*" }),
      node("after-a", "1.0.0", { a: "*" }),
      node("fine", "1.0.0", { c: "1.x" }),
    ]);
    expect(order.map((n) => n.name)).toEqual(["c", "fine"]);
    expect(blocked.get("id_a")).toContain('"missing"');
    expect(blocked.get("id_b")).toContain("must satisfy >=2, but version 1.5.0");
    expect(blocked.get("id_x")).toBe("dependency cycle: x -> y -> x");
    expect(blocked.get("id_y")).toBe("dependency cycle: y -> x -> y");
    expect(blocked.get("id_self")).toBe("dependency cycle: self -> self");
    expect(blocked.get("id_downstream")).toContain("dependency cycle");
    expect(blocked.get("id_after-a")).toContain('dependency "a" cannot load');
  });
});
