import {
  type ChangePlan,
  type FieldError,
  type JobType,
  type Manifest,
  type PluginPermissions,
  PluginStatus,
  type RolloutRequest,
  type RolloutStrategy,
} from "@arcade/contracts";
import semver from "semver";
import {
  assertNoEnabledDependents,
  cascadeOrder,
  checkDependencies,
  checkDependentsAccept,
  checkPlatformVersion,
  type DependencyPlugin,
  enabledDependents,
  supportsPlatform,
  unmetDependencies,
} from "../dependencies/index.js";
import { AppError } from "../errors/app-error.js";
import { checkUpdateVersion } from "../jobs/artifact-checks.js";
import { nameKey } from "../manifest/manifest-rules.js";
import {
  adminOnlyPermissions,
  describePermissions,
  hostPathProblems,
  permissionsBeyond,
  permissionsOf,
} from "../permissions/index.js";
import { expandRollout } from "../rollout/rollout-batches.js";
import { validateConfig, validateStoredConfig } from "../schema/validate-config.js";
import { plannedSteps } from "./planned-steps.js";

/** The installed plugin a change starts from. */
export interface PlannedPlugin {
  pluginId: string;
  name: string;
  version: string;
  manifest: Manifest;
  /** The stored artifact's SHA-256: with the new one, tells "already applied" from a change. */
  checksum?: string;
  /** Adopted from a pre-refactor installation (its version rule is looser: same version allowed). */
  legacy?: boolean;
  /** 0 disabled, 1 enabled, 2 error: enable/disable of a plugin already there change nothing. */
  isEnabled?: PluginStatus;
  /** The permissions stored with the installed version (its manifest's when absent). */
  permissions?: PluginPermissions | null;
  /** The stored config, as the job reads it (secret values sealed). */
  config: Record<string, unknown> | null;
}

/** Everything a plan depends on: it is a pure function of these. */
export interface PlanInput {
  type: JobType;
  /** The installed plugin; null on install. */
  current: PlannedPlugin | null;
  /** The manifest of the version the change brings (install, update, rollback). */
  next?: Manifest | null;
  /**
   * The SHA-256 the new version would be stored under (update: the inspected archive's;
   * rollback: the target version row's): the same as the installed one's is "already applied".
   */
  nextChecksum?: string;
  /** update: the version row already stored under the new version, if any (its bytes never change). */
  retained?: { checksum: string; legacy?: unknown } | null;
  /**
   * What failed before the rules could run, in the job's order (the upload's signature, reading
   * or inspecting the artifact, finding the rollback target): listed first, as the job stops there.
   */
  earlier?: readonly Blocked[];
  /**
   * rollback: what checking the target version's stored signature against this platform's keys
   * refused (the job checks it after the compatibility rules), if anything.
   */
  storedSignature?: Blocked | null;
  /** Every installed plugin (the dependency rules' view). */
  installed: readonly DependencyPlugin[];
  /**
   * Plugins with an unfinished job (plugin id -> job id): a cascading disable or uninstall
   * refuses to handle a busy dependent (OPERATION_IN_PROGRESS), as its job does.
   */
  busy?: Readonly<Record<string, string>>;
  platformVersion: string;
  /** runtime.allowed_host_paths: host paths a manifest's fs permissions may name. Default none. */
  allowedHostPaths?: readonly string[];
  /** The nodes live now, which would load the change. */
  liveNodes: readonly string[];
  /**
   * The request's rollout; absent: the new manifest's `rollout`, else `defaultStrategy`
   * (rollout.default_strategy), else all at once: the order the jobs' steppedRollout takes.
   */
  rollout?: RolloutRequest | undefined;
  defaultStrategy?: RolloutStrategy | undefined;
  /** Seeds the canary order (the plugin id), as the real rollout will. */
  seed?: string;
  /** The request's options, as the job payload would carry them. */
  request?: {
    cascade?: boolean;
    acceptPermissions?: boolean;
    allowDowngrade?: boolean;
    requestedRole?: "viewer" | "operator" | "admin";
    /** configure: the new config, in clear (as the API checks it before it seals the secrets). */
    config?: Record<string, unknown>;
  };
}

type Blocked = ChangePlan["blocked"][number];

/**
 * What `?dryRun=true` answers: the same rules the jobs apply (dependencies, permissions,
 * platform version, config, rollout request), run on the inputs without changing anything.
 * Every rule that would fail the job is listed in `blocked` with the job's error code, in the
 * order the job runs them, so the first entry is the error the job would stop at and the plan
 * shows the rest at once.
 */
export function planChange(input: PlanInput): ChangePlan {
  const { type, current } = input;
  const next = input.next ?? null;
  const request = input.request ?? {};
  const blocked: Blocked[] = [];
  const name = next?.name ?? current?.name ?? "";
  // What the nodes serve before: nothing on an install, nor while the plugin is disabled.
  const fromVersion =
    type === "install" || (type === "enable" && current?.isEnabled !== PluginStatus.Enabled)
      ? null
      : (current?.version ?? null);
  const toVersion =
    next?.version ?? (type === "disable" || type === "uninstall" ? null : (current?.version ?? null));

  if (type !== "install" && current === null) {
    blocked.push({ code: "PLUGIN_NOT_FOUND", message: "the plugin is not installed" });
  }
  blocked.push(...(input.earlier ?? []));
  // The jobs' order: compatibility (platform, dependencies, dependents), permissions, then the
  // name and version rules, then the config.
  const platform = next ? platformSection(input, next, blocked) : null;
  const dependencies = dependencySection(input, next, blocked);
  if (type === "rollback" && input.storedSignature) blocked.push(input.storedSignature);
  const permissions = next ? permissionSection(input, next, request, blocked) : null;
  if (type === "install" && next) {
    // Names are unique regardless of case and Unicode spelling, as the install job claims them.
    const holder = input.installed.find((p) => nameKey(p.name) === nameKey(next.name));
    if (holder) {
      blocked.push({
        code: "PLUGIN_EXISTS",
        message: `a plugin named "${next.name}" is already installed (${holder.pluginId})`,
      });
    }
  }
  let alreadyApplied = false;
  if (type === "update" && current && next) {
    // An adopted native plugin may take its package's name (the job checks that name is free).
    if (next.name !== current.name && !current.legacy) {
      blocked.push({
        code: "MANIFEST_INVALID",
        message: "an update must keep the plugin's name",
        errors: [{ path: "/name", message: `must stay "${current.name}" (the plugin being updated)` }],
      });
    }
    capture(blocked, () => {
      alreadyApplied = checkUpdateVersion(
        { ...current, checksum: current.checksum ?? "" },
        { version: next.version, checksum: input.nextChecksum ?? "" },
        input.retained ?? null,
        request.allowDowngrade,
      ).alreadyApplied;
    });
  }
  const config = configSection(type, current, next, request, blocked);
  const plan: ChangePlan = {
    type,
    pluginId: current?.pluginId ?? null,
    name,
    fromVersion,
    toVersion,
    ...(changesNothing(input, dependencies, alreadyApplied) ? { changed: false as const } : {}),
    dependencies,
    permissions,
    platform,
    config,
    rollout: null,
    blocked,
  };
  plan.rollout = rolloutSection(input, fromVersion, toVersion, blocked);
  return plan;
}

/**
 * The cases where the job succeeds with `changed: false`: the same version and bytes already
 * installed (update, rollback), or the plugin already enabled / disabled with nothing to cascade.
 */
function changesNothing(
  input: PlanInput,
  dependencies: ChangePlan["dependencies"],
  alreadyApplied: boolean,
): boolean {
  const { type, current, next } = input;
  if (!current) return false;
  if (type === "update") return alreadyApplied;
  if (type === "rollback") {
    return !!next && next.version === current.version && input.nextChecksum === current.checksum;
  }
  if (type === "enable") return current.isEnabled === PluginStatus.Enabled;
  if (type === "disable") {
    const cascades = input.request?.cascade === true && dependencies.cascade.length > 0;
    return current.isEnabled === PluginStatus.Disabled && !cascades;
  }
  return false;
}

/**
 * Whether the job runs the compatibility rules (platform, dependencies, dependents) on `next`:
 * always, but for a rollback to the version already installed.
 */
function checksCompatibility(input: PlanInput, next: Manifest): boolean {
  return !(input.type === "rollback" && input.current?.version === next.version);
}

function dependencySection(
  input: PlanInput,
  next: Manifest | null,
  blocked: Blocked[],
): ChangePlan["dependencies"] {
  const { type, current, installed } = input;
  const section: ChangePlan["dependencies"] = { cascade: [], broken: [], unmet: [] };
  if (next) {
    section.unmet = unmetDependencies(
      next,
      installed.filter((p) => p.name !== next.name),
    );
    const rules = checksCompatibility(input, next);
    if (rules) capture(blocked, () => checkDependencies(next, installed));
    if (current && type !== "install") {
      section.broken = enabledDependents(current.name, installed).filter(
        (d) => !semver.satisfies(next.version, d.requires),
      );
      if (rules) capture(blocked, () => checkDependentsAccept(current, next.version, installed));
    }
  } else if (current && (type === "disable" || type === "uninstall")) {
    section.cascade = cascadeOrder(current.name, installed, "enabled");
    if (!input.request?.cascade) capture(blocked, () => assertNoEnabledDependents(current, installed, type));
    else {
      const busy = section.cascade.find((d) => input.busy?.[d.pluginId] !== undefined);
      if (busy) {
        blocked.push({
          code: "OPERATION_IN_PROGRESS",
          message: `dependent ${busy.name} has an unfinished job (${input.busy?.[busy.pluginId]})`,
        });
      }
    }
  } else if (current && type === "enable") {
    section.unmet = unmetDependencies(
      current.manifest,
      installed.filter((p) => p.name !== current.name),
    );
    // The enable job checks the dependencies only when it has something to enable.
    if (current.isEnabled !== PluginStatus.Enabled) {
      capture(blocked, () => checkDependencies(current.manifest, installed));
    }
  }
  return section;
}

/**
 * install / update: the jobs' checkPermissions (host paths within runtime.allowed_host_paths,
 * PERMISSIONS_ESCALATED without acceptPermissions, admin-only grants); rollback: host paths only.
 */
function permissionSection(
  input: PlanInput,
  next: Manifest,
  request: NonNullable<PlanInput["request"]>,
  blocked: Blocked[],
): ChangePlan["permissions"] {
  const { type, current } = input;
  const nextPermissions = permissionsOf(next);
  const problems = hostPathProblems(nextPermissions.fs, input.allowedHostPaths ?? []);
  if (problems.length > 0 && (type === "install" || type === "update" || type === "rollback")) {
    blocked.push({
      code: "MANIFEST_INVALID",
      message: `${next.name}@${next.version} asks for host paths this platform does not allow`,
      errors: problems,
    });
  }
  const currentPermissions =
    current && type !== "install" ? (current.permissions ?? permissionsOf(current.manifest)) : null;
  const added = currentPermissions
    ? permissionsBeyond(nextPermissions, currentPermissions)
    : describePermissions(nextPermissions);
  const removed = currentPermissions ? permissionsBeyond(currentPermissions, nextPermissions) : [];
  const escalated = type === "update" && added.length > 0;
  if (escalated && request.acceptPermissions !== true) {
    blocked.push({
      code: "PERMISSIONS_ESCALATED",
      message: `version ${next.version} asks for permissions the installed version does not have: ${added.join(", ")}`,
      errors: added.map((line) => ({ path: "/permissions", message: `new: ${line}` })),
    });
  }
  if (type === "install" || type === "update") {
    const needAdmin = adminOnlyPermissions(nextPermissions).filter((line) => added.includes(line));
    if (needAdmin.length > 0 && request.requestedRole !== "admin") {
      blocked.push({ code: "FORBIDDEN", message: `approving ${needAdmin.join(", ")} needs the admin role` });
    }
  }
  return { next: describePermissions(nextPermissions), added, removed, escalated };
}

function platformSection(input: PlanInput, next: Manifest, blocked: Blocked[]): ChangePlan["platform"] {
  const { platformVersion } = input;
  if (checksCompatibility(input, next)) {
    capture(blocked, () => checkPlatformVersion(next.minVersion, platformVersion));
  }
  return {
    minVersion: next.minVersion ?? null,
    platformVersion,
    compatible: supportsPlatform(next.minVersion, platformVersion),
  };
}

/**
 * The config the plugin would run with, checked against the schema it would run under: the
 * stored config over the new version's defaults (update, rollback, install; its secrets sealed,
 * so their contents are not checked), or the config the request sends, in clear (configure). Lists the top-level keys the schema would refuse.
 */
function configSection(
  type: JobType,
  current: PlannedPlugin | null,
  next: Manifest | null,
  request: NonNullable<PlanInput["request"]>,
  blocked: Blocked[],
): ChangePlan["config"] {
  let errors: FieldError[];
  if (type === "configure" && current) {
    errors = validateConfig(current.manifest.configSchema ?? null, request.config ?? {});
  } else if (next && (type === "install" || type === "update" || type === "rollback")) {
    const stored = type === "install" ? {} : (current?.config ?? {});
    // As the update and rollback jobs: secret values are stored sealed, so only their presence is checked.
    errors = validateStoredConfig(next.configSchema ?? null, { ...(next.defaultConfig ?? {}), ...stored });
  } else {
    return null;
  }
  if (errors.length > 0) {
    blocked.push({
      code: "CONFIG_INVALID",
      message:
        type === "configure"
          ? "the config does not satisfy the plugin's configSchema"
          : `the plugin's current config does not satisfy the configSchema of ${next?.version}`,
      errors,
    });
  }
  return { invalidKeys: topLevelKeys(errors), errors };
}

function rolloutSection(
  input: PlanInput,
  fromVersion: string | null,
  toVersion: string | null,
  blocked: Blocked[],
): ChangePlan["rollout"] {
  // Strategies apply to changes of version; every other change reaches every node at once.
  const versioned = input.type === "install" || input.type === "update" || input.type === "rollback";
  // The request's rollout wins; else the new version's manifest names its default; else the config's.
  const configured = input.defaultStrategy ? { strategy: input.defaultStrategy } : undefined;
  const rollout: RolloutRequest = (versioned
    ? (input.rollout ?? input.next?.rollout ?? configured)
    : undefined) ?? {
    strategy: "all-at-once",
  };
  const versions = toVersion === null ? undefined : { fromVersion, toVersion };
  try {
    const batches = expandRollout(rollout, input.liveNodes, {
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
      ...(versions ? { versions } : {}),
    });
    return {
      strategy: rollout.strategy,
      steps: plannedSteps(batches, { fromVersion, toVersion, split: rollout.split }),
    };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    blocked.push({
      code: error.code,
      message: error.message,
      errors: error.errors,
    });
    return null;
  }
}

/** The first reference token of each error's pointer: `/slack/token` -> `slack`; the root as "". */
function topLevelKeys(errors: readonly FieldError[]): string[] {
  const keys = errors.map((e) => (e.path.split("/")[1] ?? "").replace(/~1/g, "/").replace(/~0/g, "~"));
  return [...new Set(keys)].sort();
}

/** Runs a rule the jobs run; its AppError becomes a `blocked` entry instead of a throw. */
function capture(blocked: Blocked[], rule: () => void): void {
  try {
    rule();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    blocked.push({
      code: error.code,
      message: error.message,
      ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    });
  }
}
