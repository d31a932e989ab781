import type { PluginType } from "@arcade/contracts";

/**
 * The actions each pluginType must export, spelled as literal types so that a
 * missing one is a compile error. A unit test keeps this equal to
 * `REQUIRED_ACTIONS` of @arcade/contracts, which the platform checks at load time.
 */
export const REQUIRED_ACTION_NAMES = {
  notify: ["send", "sendTemplate"],
  ci: ["build", "test", "lint"],
  cd: ["deploy", "rollback"],
  security: ["scan", "audit"],
  storage: ["save", "load", "delete"],
  approval: ["approve"],
  custom: ["execute"],
} as const satisfies Record<PluginType, readonly string[]>;

export type RequiredAction<T extends PluginType> = (typeof REQUIRED_ACTION_NAMES)[T][number];

export type JsonObject = Record<string, unknown>;

/** One logging call: a message and optional structured fields. */
export type PluginLogFn = (message: string, fields?: JsonObject) => void;

export interface PluginLogger {
  debug: PluginLogFn;
  info: PluginLogFn;
  warn: PluginLogFn;
  error: PluginLogFn;
}

/** What `init` and every action receive (architecture §6). */
export interface PluginContext<Config = JsonObject> {
  readonly pluginId: string;
  readonly version: string;
  /** `defaultConfig` merged with the stored config, validated against `configSchema`. */
  readonly config: Config;
  readonly logger: PluginLogger;
  /**
   * fetch() limited to the manifest's `permissions.network.hosts` (`host:port`). The
   * platform runs each plugin without network; its node makes the request after checking
   * the host (also after each redirect). Anything else fails with code PERMISSION_DENIED.
   * The global fetch of a plugin goes the same way.
   */
  readonly fetch: typeof fetch;
}

/**
 * An action handler. Written as a method signature so that TypeScript compares
 * its parameters bivariantly: an author may annotate `params` with the shape
 * that `paramsSchema` guarantees instead of narrowing `unknown` by hand.
 */
export type ActionHandler<Config = JsonObject> = {
  handle(params: unknown, ctx: PluginContext<Config>): unknown;
}["handle"];

export type ActionMap<T extends PluginType, Config = JsonObject> = {
  [K in RequiredAction<T>]: ActionHandler<Config>;
} & Record<string, ActionHandler<Config>>;

/** The default export of a plugin's entry module. */
export interface PluginDefinition<T extends PluginType, Config = JsonObject> {
  /**
   * Optional and ignored by the platform (the manifest decides the type); it lets
   * `definePlugin` infer T, and the test harness checks that it matches the manifest.
   */
  pluginType?: T;
  init?(ctx: PluginContext<Config>): unknown;
  actions: ActionMap<T, Config>;
  cleanup?(): unknown;
}

/**
 * Types a plugin definition and returns it unchanged, so the module's default
 * export stays a plain object. Name the type either as `definePlugin<"notify">({...})`
 * or with `pluginType: "notify"` in the definition; the required actions of that
 * type are then checked at compile time.
 */
export function definePlugin<T extends PluginType, Config = JsonObject>(
  def: PluginDefinition<T, Config>,
): PluginDefinition<T, Config> {
  return def;
}
