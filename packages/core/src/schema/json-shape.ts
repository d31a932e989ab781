import type { FieldError } from "@arcade/contracts";
import { joinPointer } from "./json-pointer.js";

export interface JsonShapeLimits {
  /** Deepest nesting of arrays/objects: `{}` is 1, `{"a":[]}` is 2. */
  maxDepth: number;
  /** Most values (objects, arrays, strings, numbers, ...) in the document. */
  maxNodes: number;
}

/**
 * Checks that a value is plain JSON (what JSON.parse can produce) within bounds,
 * without recursion, so that a deep, huge, cyclic or exotic value (a function, a
 * class instance, NaN, a getter that throws) is an error instead of a stack overflow
 * or a hang later in ajv or JSON.stringify. Returns the first problem found, or null.
 */
export function checkJsonShape(value: unknown, limits: JsonShapeLimits, basePath = ""): FieldError | null {
  // Iterative depth-first walk; an `exit` marker takes a container off the current
  // path again, so a shared (non-cyclic) sub-object is fine and only a true cycle is not.
  const stack: ({ value: unknown; path: string; depth: number } | { exit: object })[] = [
    { value, path: basePath, depth: 0 },
  ];
  const onPath = new WeakSet<object>();
  let nodes = 0;
  try {
    while (stack.length > 0) {
      const item = stack.pop()!;
      if ("exit" in item) {
        onPath.delete(item.exit);
        continue;
      }
      nodes += 1;
      if (nodes > limits.maxNodes) {
        return { path: basePath, message: `has more than ${limits.maxNodes} values` };
      }
      const v = item.value;
      if (v === null || typeof v === "string" || typeof v === "boolean") continue;
      if (typeof v === "number") {
        if (!Number.isFinite(v)) return { path: item.path, message: "must be a finite number" };
        continue;
      }
      if (typeof v !== "object")
        return { path: item.path, message: `must be a JSON value, not a ${typeof v}` };
      const depth = item.depth + 1;
      if (depth > limits.maxDepth) {
        return { path: item.path, message: `nests deeper than ${limits.maxDepth} levels` };
      }
      if (onPath.has(v)) return { path: item.path, message: "must not refer to itself (cycle)" };
      onPath.add(v);
      stack.push({ exit: v });
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i -= 1) {
          stack.push({ value: v[i], path: joinPointer(item.path, i), depth });
        }
        continue;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        return { path: item.path, message: "must be a plain JSON object" };
      }
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i -= 1) {
        const key = keys[i]!;
        stack.push({ value: (v as Record<string, unknown>)[key], path: joinPointer(item.path, key), depth });
      }
    }
  } catch (error) {
    return {
      path: basePath,
      message: `cannot be read as JSON: ${(error as Error)?.message ?? String(error)}`,
    };
  }
  return null;
}
