import { pathToFileURL } from "node:url";
import { type FieldError, type Manifest, REQUIRED_ACTIONS } from "@arcade/contracts";
import { AppError, normalizePermissions, validateConfig, validateParams, withTimeout } from "@arcade/core";
import { readManifestFile, resolveEntryPoint } from "../manifest/read-manifest-file.js";
import type { JsonObject, PluginContext } from "../plugin-definition.js";
import { type CapturedLog, createCapturingLogger } from "./capturing-logger.js";
import { checkedFetch } from "./checked-fetch.js";

export interface HarnessOptions {
  /** The plugin folder (the one holding manifest.json). */
  dir: string;
  /** Merged over the manifest's `defaultConfig`, then checked against `configSchema`. */
  config?: JsonObject;
  pluginId?: string;
  /** How long `init` may take; like the platform's `load_timeout`. Default 10 s. */
  initTimeoutMs?: number;
  /** Also print every log line (handy while debugging a test). */
  echoLogs?: boolean;
}

export interface InvokeOptions {
  /** Reject with ACTION_TIMEOUT after this long. The action itself is not stopped (same thread). */
  timeoutMs?: number;
}

export interface Harness {
  readonly manifest: Manifest;
  readonly pluginId: string;
  readonly version: string;
  /** The effective config that `init` received. */
  readonly config: JsonObject;
  /** Every log line of the plugin, in order. */
  readonly logs: CapturedLog[];
  /** Calls an action as the platform would: params checked against `paramsSchema` first. */
  invoke<R = unknown>(action: string, params?: unknown, options?: InvokeOptions): Promise<R>;
  /** Calls `cleanup` once; later calls do nothing. */
  close(): Promise<void>;
}

interface LoadedModule {
  init?: (ctx: PluginContext) => unknown;
  actions: Record<string, (params: unknown, ctx: PluginContext) => unknown>;
  cleanup?: () => unknown;
  pluginType?: unknown;
}

let importCounter = 0;

/**
 * Loads a plugin folder in this process, the way the platform would load its
 * archive, for the author's unit tests. In-process, not in a sandbox: a plugin that
 * spins or exits takes the test down with it, and the permission model is not applied
 * (files, child processes, eval all work here and are denied on the platform unless
 * the manifest's `permissions` grant them). Only `ctx.fetch` is checked against
 * `permissions.network.hosts`, as on the platform.
 */
export async function createHarness(options: HarnessOptions): Promise<Harness> {
  const manifest = await readManifestFile(options.dir);
  const entry = await resolveEntryPoint(options.dir, manifest);
  const pluginId = options.pluginId ?? `plugin_${manifest.name}_test00`;

  // The platform's own checks (core), so a config or params that pass here pass there.
  const config: JsonObject = { ...(manifest.defaultConfig ?? {}), ...(options.config ?? {}) };
  const configErrors = validateConfig(manifest.configSchema, config);
  if (configErrors.length > 0) {
    throw new AppError(
      "CONFIG_INVALID",
      `config of ${manifest.name} is invalid:\n${listErrors(configErrors)}`,
      {
        errors: configErrors,
        detail: "fix the config passed to createHarness, or defaultConfig in manifest.json",
      },
    );
  }

  // A fresh URL per load: Node caches modules by URL, and a test that edits the
  // plugin (or loads two versions) must see the file as it is now.
  const url = `${pathToFileURL(entry).href}?harness=${Date.now()}-${++importCounter}`;
  let imported: { default?: unknown };
  try {
    imported = await import(url);
  } catch (error) {
    throw new AppError(
      "PLUGIN_LOAD_FAILED",
      `importing ${manifest.entryPoint} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const plugin = checkModuleShape(imported.default, manifest);

  const logs: CapturedLog[] = [];
  const echo = options.echoLogs
    ? (e: CapturedLog) => console.log(`[${manifest.name}] ${e.level}: ${e.message}`, e.fields ?? "")
    : undefined;
  const ctx: PluginContext = Object.freeze({
    pluginId,
    version: manifest.version,
    config,
    logger: createCapturingLogger(logs, echo),
    fetch: checkedFetch(normalizePermissions(manifest.permissions).network.hosts),
  });

  if (plugin.init) {
    const timeoutMs = options.initTimeoutMs ?? 10_000;
    try {
      await withTimeout(
        Promise.resolve().then(() => plugin.init?.(ctx)),
        timeoutMs,
        () => {
          return new AppError(
            "PLUGIN_LOAD_FAILED",
            `init of ${manifest.name} did not finish within ${timeoutMs} ms`,
          );
        },
      );
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError(
        "PLUGIN_LOAD_FAILED",
        `init of ${manifest.name} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  let closed = false;

  return {
    manifest,
    pluginId,
    version: manifest.version,
    config,
    logs,
    async invoke<R>(action: string, params: unknown = {}, invokeOptions: InvokeOptions = {}): Promise<R> {
      if (closed)
        throw new AppError("PLUGIN_NOT_LOADED", `${manifest.name} was closed; create a new harness`);
      const handler = Object.hasOwn(plugin.actions, action) ? plugin.actions[action] : undefined;
      if (typeof handler !== "function") {
        const known = Object.keys(plugin.actions).sort().join(", ");
        throw new AppError(
          "ACTION_NOT_FOUND",
          `${manifest.name} has no action "${action}" (it has: ${known})`,
        );
      }
      const paramErrors = validateParams(manifest.paramsSchema, action, params);
      if (paramErrors.length > 0) {
        throw new AppError(
          "PARAMS_INVALID",
          `params of ${manifest.name}.${action} are invalid:\n${listErrors(paramErrors)}`,
          {
            errors: paramErrors,
          },
        );
      }
      const call = Promise.resolve().then(() => handler(params, ctx)) as Promise<R>;
      if (invokeOptions.timeoutMs === undefined) return call;
      const ms = invokeOptions.timeoutMs;
      return withTimeout(call, ms, () => {
        return new AppError("ACTION_TIMEOUT", `${manifest.name}.${action} did not answer within ${ms} ms`);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await plugin.cleanup?.();
    },
  };
}

/** The checks the platform makes on a default export before calling `init`. */
function checkModuleShape(value: unknown, manifest: Manifest): LoadedModule {
  const errors: FieldError[] = [];
  if (typeof value !== "object" || value === null) {
    throw new AppError(
      "PLUGIN_LOAD_FAILED",
      `${manifest.entryPoint} has no default export object: write \`export default { init, actions, cleanup }\``,
    );
  }
  const mod = value as Partial<LoadedModule>;
  for (const hook of ["init", "cleanup"] as const) {
    if (mod[hook] !== undefined && typeof mod[hook] !== "function") {
      errors.push({ path: `/${hook}`, message: "must be a function" });
    }
  }
  if (typeof mod.actions !== "object" || mod.actions === null) {
    errors.push({ path: "/actions", message: "must be an object of action functions" });
  } else {
    for (const name of REQUIRED_ACTIONS[manifest.pluginType]) {
      if (typeof mod.actions[name] !== "function") {
        errors.push({
          path: `/actions/${name}`,
          message: `is required for pluginType "${manifest.pluginType}"`,
        });
      }
    }
  }
  if (mod.pluginType !== undefined && mod.pluginType !== manifest.pluginType) {
    errors.push({
      path: "/pluginType",
      message: `is "${String(mod.pluginType)}" but manifest.json says "${manifest.pluginType}"`,
    });
  }
  if (errors.length > 0) {
    throw new AppError(
      "PLUGIN_LOAD_FAILED",
      `default export of ${manifest.entryPoint} is not a valid plugin:\n${listErrors(errors)}`,
      { errors },
    );
  }
  return mod as LoadedModule;
}

function listErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `  ${e.path || "(root)"}: ${e.message}`).join("\n");
}
