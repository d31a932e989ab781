import type { FieldError } from "@arcade/contracts";
import { joinPointer } from "../schema/json-pointer.js";
import { fsEntryProblem } from "./fs-paths.js";
import { hostPortProblem } from "./host-port.js";

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Variables a plugin may never ask for: the platform's own settings and secrets
 * (ARCADE_*: tokens, database URL) and the ones that change how Node starts.
 */
const RESERVED_ENV = /^(?:ARCADE_|NODE_|LD_|MALLOC_)|^(?:UV_THREADPOOL_SIZE)$/;

/**
 * The rules of manifest `permissions` a JSON Schema cannot express: host:port syntax,
 * path shapes, reserved variables. Policy that depends on the platform's config
 * (runtime.allowed_host_paths) is hostPathProblems, checked where the config is known.
 */
export function checkPermissionRules(m: Raw): FieldError[] {
  const p = m.permissions;
  if (!isObject(p)) return [];
  const errors: FieldError[] = [];
  if (isObject(p.fs)) {
    for (const kind of ["read", "write"] as const) {
      const list = p.fs[kind];
      if (!Array.isArray(list)) continue;
      list.forEach((entry: unknown, index) => {
        if (typeof entry !== "string") return;
        const problem = fsEntryProblem(entry);
        if (problem) errors.push({ path: joinPointer("/permissions/fs", kind, index), message: problem });
      });
    }
  }
  if (isObject(p.network) && Array.isArray(p.network.hosts)) {
    p.network.hosts.forEach((entry: unknown, index) => {
      if (typeof entry !== "string") return;
      const problem = hostPortProblem(entry);
      if (problem) errors.push({ path: joinPointer("/permissions/network/hosts", index), message: problem });
    });
  }
  if (Array.isArray(p.env)) {
    p.env.forEach((name: unknown, index) => {
      if (typeof name === "string" && RESERVED_ENV.test(name)) {
        errors.push({
          path: joinPointer("/permissions/env", index),
          message: `"${name}" is reserved: ARCADE_*, NODE_*, LD_* and MALLOC_* variables are never passed to plugins`,
        });
      }
    });
  }
  return errors;
}
