import { join } from "node:path";
import type { PluginPermissions } from "@arcade/contracts";
import { normalizePermissions } from "@arcade/core";
import type { PluginSpec } from "../plugin-types.js";
import { PluginDataDirs } from "../sandbox/plugin-data-dirs.js";
import { Sandbox, type SandboxOptions, type SandboxRuntime } from "../sandbox/sandbox.js";
import { prepareSandboxRuntime, type RuntimeSetup } from "../sandbox/sandbox-runtime.js";
import { capturingLogger } from "./capturing-logger.js";

let shared: Promise<SandboxRuntime> | null = null;

/** The node-wide sandbox runtime for tests (as root: plugins run as nobody), prepared once per file. */
export function testSandboxRuntime(setup: RuntimeSetup = {}): Promise<SandboxRuntime> {
  if (Object.keys(setup).length > 0) return prepareSandboxRuntime(setup, capturingLogger());
  shared ??= prepareSandboxRuntime({}, capturingLogger());
  return shared;
}

/** A Sandbox for a plugin folder written by writePlugin, with its data folder under `dataRoot`. */
export async function sandboxOf(
  spec: PluginSpec,
  dataRoot: string,
  overrides: Partial<SandboxOptions> & { permissions?: PluginPermissions } = {},
): Promise<Sandbox> {
  const runtime = overrides.runtime ?? (await testSandboxRuntime());
  const dataDir = await new PluginDataDirs(dataRoot, runtime.user).ensure(spec.pluginId);
  return new Sandbox({
    pluginId: spec.pluginId,
    version: spec.version,
    entryPath: join(spec.dir, spec.manifest.entryPoint),
    dir: spec.dir,
    dataDir,
    permissions: normalizePermissions(spec.manifest.permissions),
    config: spec.config ?? {},
    requiredActions: [],
    memoryMb: 64,
    loadTimeoutMs: 10_000,
    cleanupTimeoutMs: 1_000,
    logger: capturingLogger(),
    ...overrides,
    runtime,
  });
}
