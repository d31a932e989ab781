import { PluginStatus } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import type { AppError } from "../errors/app-error.js";
import { checkDependencies } from "./check-dependencies.js";
import type { DependencyPlugin } from "./dependency-plugin.js";
import {
  assertNoEnabledDependents,
  cascadeOrder,
  checkDependentsAccept,
  enabledDependents,
} from "./dependents.js";

function plugin(
  name: string,
  version: string,
  deps: Record<string, string> = {},
  isEnabled: PluginStatus = PluginStatus.Enabled,
): DependencyPlugin {
  return {
    pluginId: `plugin_${name}_abc123`,
    name,
    version,
    isEnabled,
    manifest: { dependencies: Object.entries(deps).map(([n, v]) => ({ name: n, version: v })) },
  };
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    return error as AppError;
  }
  throw new Error("expected an error");
}

// A chain of three: c depends on b, b depends on a.
const a = plugin("a", "1.2.0");
const b = plugin("b", "2.0.0", { a: "^1.0.0" });
const c = plugin("c", "1.0.0", { b: ">=2 <3" });
const chain = [a, b, c];

describe("checkDependencies", () => {
  it("passes a chain of three installed in order", () => {
    expect(() => checkDependencies({ name: "a" }, [])).not.toThrow();
    expect(() =>
      checkDependencies({ name: "b", dependencies: [{ name: "a", version: "^1.0.0" }] }, [a]),
    ).not.toThrow();
    expect(() =>
      checkDependencies({ name: "c", dependencies: [{ name: "b", version: ">=2 <3" }] }, [a, b]),
    ).not.toThrow();
  });

  it("names every missing dependency (DEPENDENCY_MISSING)", () => {
    const error = thrown(() =>
      checkDependencies(
        {
          name: "c",
          dependencies: [
            { name: "a", version: "^1.0.0" },
            { name: "b", version: "^2.0.0" },
            { name: "x", version: "*" },
          ],
        },
        [a],
      ),
    );
    expect(error.code).toBe("DEPENDENCY_MISSING");
    expect(error.message).toContain("b@^2.0.0");
    expect(error.message).toContain("x@*");
    expect(error.errors).toEqual([
      { path: "/dependencies/1", message: "b@^2.0.0 is not installed" },
      { path: "/dependencies/2", message: "x@* is not installed" },
    ]);
  });

  it("treats a disabled dependency as missing", () => {
    const error = thrown(() =>
      checkDependencies({ name: "b", dependencies: [{ name: "a", version: "^1" }] }, [
        plugin("a", "1.0.0", {}, PluginStatus.Disabled),
      ]),
    );
    expect(error.code).toBe("DEPENDENCY_MISSING");
    expect(error.errors[0]?.message).toContain("not enabled");
  });

  it("reports an installed version outside the range (DEPENDENCY_VERSION)", () => {
    for (const range of ["^2.0.0", "~1.1.0", ">1.2.0", "1.x <1.2.0"]) {
      const error = thrown(() =>
        checkDependencies({ name: "b", dependencies: [{ name: "a", version: range }] }, [a]),
      );
      expect(error.code).toBe("DEPENDENCY_VERSION");
      expect(error.errors[0]?.message).toBe(`a 1.2.0 is installed; ${range} is required`);
    }
    for (const range of ["^1.0.0", "~1.2.0", ">=1.2.0", "1.x", "*", "1.0.0 - 1.5.0"]) {
      expect(() =>
        checkDependencies({ name: "b", dependencies: [{ name: "a", version: range }] }, [a]),
      ).not.toThrow();
    }
  });

  it("ignores the plugin's own installed version (an update)", () => {
    expect(() =>
      checkDependencies({ name: "b", dependencies: [{ name: "a", version: "^1" }] }, chain),
    ).not.toThrow();
  });

  it("refuses a dependency cycle, direct or through others", () => {
    const self = thrown(() =>
      checkDependencies({ name: "a", dependencies: [{ name: "a", version: "*" }] }, []),
    );
    expect(self.code).toBe("MANIFEST_INVALID");
    // updating a to depend on c closes a -> c -> b -> a
    const loop = thrown(() =>
      checkDependencies({ name: "a", dependencies: [{ name: "c", version: "*" }] }, chain),
    );
    expect(loop.code).toBe("MANIFEST_INVALID");
    expect(loop.errors[0]?.message).toBe("cycle: a -> c -> b -> a");
  });
});

describe("dependents", () => {
  it("lists enabled direct dependents only", () => {
    expect(enabledDependents("a", chain).map((d) => d.name)).toEqual(["b"]);
    expect(enabledDependents("c", chain)).toEqual([]);
    const disabledB = [a, plugin("b", "2.0.0", { a: "^1" }, PluginStatus.Disabled), c];
    expect(enabledDependents("a", disabledB)).toEqual([]);
  });

  it("refuses a disable of a plugin that enabled plugins need (DEPENDENTS_EXIST, listing them)", () => {
    const error = thrown(() => assertNoEnabledDependents(a, chain, "disable"));
    expect(error.code).toBe("DEPENDENTS_EXIST");
    expect(error.status).toBe(409);
    expect(error.extras.dependents).toEqual([
      { pluginId: b.pluginId, name: "b", version: "2.0.0", requires: "^1.0.0" },
    ]);
    expect(error.errors).toEqual([
      { path: "/dependents/0", message: `b 2.0.0 (${b.pluginId}) requires a@^1.0.0` },
    ]);
    expect(() => assertNoEnabledDependents(c, chain, "uninstall")).not.toThrow();
  });

  it("orders a cascade dependents first: c, then b (then the caller's a)", () => {
    expect(cascadeOrder("a", chain).map((d) => d.name)).toEqual(["c", "b"]);
    expect(cascadeOrder("b", chain).map((d) => d.name)).toEqual(["c"]);
    expect(cascadeOrder("c", chain)).toEqual([]);
  });

  it("orders a diamond so that nothing comes after what it depends on", () => {
    const d = plugin("d", "1.0.0", { b: "*", c: "*" });
    const c2 = plugin("c", "1.0.0", { a: "*", b: "*" });
    const order = cascadeOrder("a", [a, b, c2, d]).map((x) => x.name);
    expect(order).toEqual(["d", "c", "b"]);
  });

  it("stops at disabled plugins for a disable, follows them with scope all", () => {
    const disabledB = [a, plugin("b", "2.0.0", { a: "^1" }, PluginStatus.Disabled), c];
    expect(cascadeOrder("a", disabledB, "enabled")).toEqual([]);
    expect(cascadeOrder("a", disabledB, "all").map((x) => x.name)).toEqual(["c", "b"]);
  });

  it("terminates on a cycle in stored data", () => {
    const x = plugin("x", "1.0.0", { y: "*" });
    const y = plugin("y", "1.0.0", { x: "*" });
    expect(cascadeOrder("x", [x, y]).map((p) => p.name)).toEqual(["y"]);
  });

  it("refuses an update that leaves an enabled dependent's range (DEPENDENCY_VERSION)", () => {
    const error = thrown(() => checkDependentsAccept(a, "2.0.0", chain));
    expect(error.code).toBe("DEPENDENCY_VERSION");
    expect(error.message).toContain("b needs ^1.0.0");
    expect(() => checkDependentsAccept(a, "1.9.0", chain)).not.toThrow();
  });
});
