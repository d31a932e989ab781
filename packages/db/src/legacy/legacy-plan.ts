import { createHash } from "node:crypto";
import {
  LEGACY_NATIVE_PLUGIN_ERROR,
  type PluginLegacyInfo,
  type PluginSource,
  type PluginType,
  type PluginVersionLegacyInfo,
} from "@arcade/contracts";
import { isPluginId, nameKey, newPluginId, type RandomBytes } from "@arcade/core";
import type { LegacyConfigRow, LegacyJson, LegacyPluginRow } from "./legacy-rows.js";
import { mapLegacyType } from "./legacy-types.js";
import { compareLegacyVersions } from "./legacy-versions.js";

/** Column widths of the current schema that are narrower than the old ones. */
const NAME_MAX = 100;
const REPOSITORY_MAX = 500;
const DOCUMENTATION_MAX = 500;

export interface PlannedVersion {
  version: string;
  /** JSON text of the manifest made from the old row. */
  manifest: string;
  createdAt: Date;
  legacy: PluginVersionLegacyInfo;
}

/** One t_plugin row (plus its t_plugin_version rows, oldest version first) made from old rows. */
export interface PlannedPlugin {
  pluginId: string;
  name: string;
  version: string;
  description: string;
  author: string;
  pluginType: PluginType;
  entryPoint: string;
  configSchema: string | null;
  paramsSchema: string | null;
  defaultConfig: string | null;
  icon: string;
  repository: string;
  documentation: string;
  source: PluginSource;
  s3Path: string;
  manifest: string;
  installTime: Date;
  updateTime: Date;
  error: string;
  legacy: PluginLegacyInfo;
  versions: PlannedVersion[];
  /** How many old rows it was made from. */
  rows: number;
}

/** The plugin's own config (t_plugin_config), from its chosen global row. */
export interface PlannedConfig {
  pluginId: string;
  config: string;
  updatedAt: Date;
  configId: string;
}

/** Every old config row, with its scope, in t_plugin_scoped_config. */
export interface PlannedScopedConfig {
  configId: string;
  pluginId: string;
  name: string;
  scope: string;
  scopeId: string | null;
  config: string;
  description: string | null;
  isDefault: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TypeMapping {
  from: string;
  to: PluginType;
  known: boolean;
  plugins: number;
}

export interface ImportPlan {
  plugins: PlannedPlugin[];
  configs: PlannedConfig[];
  scoped: PlannedScopedConfig[];
  types: TypeMapping[];
  /** Everything the import had to adapt (ids, names, widths, unusable configs), one line each. */
  notes: string[];
  source: { pluginRows: number; configRows: number };
}

/**
 * What the old rows become, decided without touching the database (so the dry run shows
 * exactly what the import does):
 * - the rows of one old plugin_id become one plugin whose current version is the highest
 *   one, and a retained version per row; every plugin is a native build the runtime cannot
 *   load, so it is in error (isEnabled 2) and remembers its old is_enabled for the update
 *   that replaces it with a package;
 * - the old plugin_id is kept when it is a valid id here; otherwise a new id is derived from
 *   it deterministically (a re-run after a crash derives the same one);
 * - every config row is kept with its scope; one global row per plugin becomes its config.
 */
export function planImport(
  pluginRows: LegacyPluginRow[],
  configRows: LegacyConfigRow[],
  now: Date,
): ImportPlan {
  const notes: string[] = [];
  const groups = new Map<string, LegacyPluginRow[]>();
  for (const row of pluginRows) {
    const group = groups.get(row.pluginId);
    if (group) group.push(row);
    else groups.set(row.pluginId, [row]);
  }

  const takenIds = new Set<string>();
  const takenNames = new Set<string>();
  const idMap = new Map<string, string>();
  const types = new Map<string, TypeMapping>();
  const plugins: PlannedPlugin[] = [];

  for (const [oldId, rows] of groups) {
    rows.sort((a, b) => compareLegacyVersions(a.version, b.version) || a.id - b.id);
    const current = rows.at(-1)!;
    const pluginId = choosePluginId(oldId, current.name, takenIds, notes);
    idMap.set(oldId, pluginId);
    const name = chooseName(current.name, oldId, takenNames, notes);
    const mapped = mapLegacyType(current.pluginType);
    const typeKey = current.pluginType;
    const seen = types.get(typeKey);
    if (seen) seen.plugins += 1;
    else types.set(typeKey, { from: typeKey, to: mapped.pluginType, known: mapped.known, plugins: 1 });

    const objectOrNull = (value: LegacyJson, column: string) => {
      if (value.text === null) return null;
      if (isObject(value.value)) return value.parsed ? value.text : JSON.stringify(value.value);
      notes.push(`${oldId}: ${column} is not a JSON object; left out (the backup keeps it)`);
      return null;
    };
    const repository = clip(current.repository ?? "", REPOSITORY_MAX, `${oldId}: repository`, notes);
    const documentation = clip(
      current.documentation ?? "",
      DOCUMENTATION_MAX,
      `${oldId}: documentation`,
      notes,
    );
    const created = rows.map((r) => r.createTime).filter((d): d is Date => d !== null);
    const firstCreated = created.length > 0 ? new Date(Math.min(...created.map((d) => d.getTime()))) : null;

    plugins.push({
      pluginId,
      name,
      version: current.version,
      description: current.description ?? "",
      author: current.author ?? "",
      pluginType: mapped.pluginType,
      entryPoint: current.entryPoint ?? "",
      configSchema: objectOrNull(current.configSchema, "config_schema"),
      paramsSchema: objectOrNull(current.paramsSchema, "params_schema"),
      defaultConfig: objectOrNull(current.defaultConfig, "default_config"),
      icon: current.icon ?? "",
      repository,
      documentation,
      source: current.source?.trim().toLowerCase() === "market" ? "market" : "local",
      s3Path: current.s3Path ?? "",
      manifest: JSON.stringify(manifestOf(current, name, mapped.pluginType)),
      installTime: current.installTime ?? firstCreated ?? now,
      updateTime: current.updateTime ?? current.createTime ?? now,
      error: LEGACY_NATIVE_PLUGIN_ERROR,
      legacy: {
        pluginId: oldId,
        name: current.name,
        pluginType: current.pluginType,
        installPath: current.installPath,
        checksum: current.checksum,
        isEnabled: current.isEnabled === 1 ? 1 : 0,
        importedAt: now.toISOString(),
      },
      versions: rows.map((row) => ({
        version: row.version,
        manifest: JSON.stringify(manifestOf(row, name, mapLegacyType(row.pluginType).pluginType)),
        createdAt: row.createTime ?? row.updateTime ?? now,
        legacy: {
          pluginType: row.pluginType,
          installPath: row.installPath,
          checksum: row.checksum,
          isEnabled: row.isEnabled === 1 ? 1 : 0,
        },
      })),
      rows: rows.length,
    });
  }

  const { configs, scoped } = planConfigs(configRows, idMap, now, notes);
  return {
    plugins,
    configs,
    scoped,
    types: [...types.values()],
    notes,
    source: { pluginRows: pluginRows.length, configRows: configRows.length },
  };
}

function planConfigs(
  rows: LegacyConfigRow[],
  idMap: ReadonlyMap<string, string>,
  now: Date,
  notes: string[],
): { configs: PlannedConfig[]; scoped: PlannedScopedConfig[] } {
  const scoped: PlannedScopedConfig[] = [];
  const globals = new Map<string, LegacyConfigRow[]>();
  for (const row of rows) {
    const pluginId = idMap.get(row.pluginId);
    const scope = row.scope.trim().toLowerCase() || "global";
    const createdAt = row.createTime ?? row.updateTime ?? now;
    scoped.push({
      configId: row.configId || `legacy-config-${row.id}`,
      pluginId: pluginId ?? row.pluginId,
      name: row.name ?? "",
      scope,
      scopeId: row.scopeId,
      config: row.configItems.text ?? "null",
      description: row.description,
      isDefault: row.isDefault === 1 ? 1 : 0,
      createdBy: row.createdBy,
      createdAt,
      updatedAt: row.updateTime ?? createdAt,
    });
    if (pluginId === undefined) {
      notes.push(
        `config ${row.configId}: plugin ${row.pluginId} has no rows; kept in t_plugin_scoped_config only`,
      );
      continue;
    }
    if (scope !== "global") continue;
    if (!isObject(row.configItems.value)) {
      notes.push(
        `config ${row.configId}: config_items is not a JSON object; kept in t_plugin_scoped_config only`,
      );
      continue;
    }
    const list = globals.get(pluginId);
    if (list) list.push(row);
    else globals.set(pluginId, [row]);
  }

  const configs: PlannedConfig[] = [];
  for (const [pluginId, candidates] of globals) {
    // The default row wins, then the newest: that is the one the old server applied.
    candidates.sort(
      (a, b) =>
        b.isDefault - a.isDefault ||
        (b.updateTime?.getTime() ?? 0) - (a.updateTime?.getTime() ?? 0) ||
        b.id - a.id,
    );
    const chosen = candidates[0]!;
    if (candidates.length > 1) {
      notes.push(
        `${pluginId}: ${candidates.length} global configs; ${chosen.configId} becomes the plugin's config, all stay in t_plugin_scoped_config`,
      );
    }
    configs.push({
      pluginId,
      config: chosen.configItems.parsed ? chosen.configItems.text! : JSON.stringify(chosen.configItems.value),
      updatedAt: chosen.updateTime ?? chosen.createTime ?? now,
      configId: chosen.configId,
    });
  }
  return { configs, scoped };
}

function choosePluginId(oldId: string, name: string, taken: Set<string>, notes: string[]): string {
  let pluginId = oldId;
  if (!isPluginId(oldId) || taken.has(oldId)) {
    pluginId = newPluginId(name || oldId || "legacy", seededBytes(oldId));
    for (let round = 1; taken.has(pluginId); round++) {
      pluginId = newPluginId(name || oldId || "legacy", seededBytes(`${oldId}#${round}`));
    }
    notes.push(
      `${oldId}: not a plugin id of this platform; adopted as ${pluginId} (legacy.pluginId keeps the old one)`,
    );
  }
  taken.add(pluginId);
  return pluginId;
}

function chooseName(oldName: string, oldId: string, taken: Set<string>, notes: string[]): string {
  const base = oldName.trim() || oldId || "legacy";
  let name = truncate(base, NAME_MAX);
  if (name !== base) notes.push(`${oldId}: name is longer than ${NAME_MAX} characters; shortened`);
  for (let round = 0; taken.has(nameKey(name)); round++) {
    const suffix = round === 0 ? ` (${oldId})` : ` (${oldId} ${round + 1})`;
    name = truncate(base, NAME_MAX - [...suffix].length) + suffix;
    if (round === 0) notes.push(`${oldId}: another old plugin is also named "${base}"; adopted as "${name}"`);
  }
  taken.add(nameKey(name));
  return name;
}

/** The manifest an old row would have had: the design's manifest column, if any, under the row's own fields. */
function manifestOf(row: LegacyPluginRow, name: string, pluginType: PluginType): Record<string, unknown> {
  const base = isObject(row.manifest.value) ? row.manifest.value : {};
  const optional: Record<string, unknown> = {
    description: row.description,
    author: row.author,
    icon: row.icon,
    repository: row.repository,
    documentation: row.documentation,
    configSchema: isObject(row.configSchema.value) ? row.configSchema.value : null,
    paramsSchema: isObject(row.paramsSchema.value) ? row.paramsSchema.value : null,
    defaultConfig: isObject(row.defaultConfig.value) ? row.defaultConfig.value : null,
  };
  const present = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null && v !== ""));
  return { ...base, ...present, name, version: row.version, pluginType, entryPoint: row.entryPoint ?? "" };
}

function clip(value: string, max: number, what: string, notes: string[]): string {
  const clipped = truncate(value, max);
  if (clipped !== value)
    notes.push(`${what} is longer than ${max} characters; shortened (the manifest keeps it whole)`);
  return clipped;
}

function truncate(value: string, max: number): string {
  const chars = [...value];
  return chars.length <= max ? value : chars.slice(0, Math.max(0, max)).join("");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The same "random" bytes for the same seed, so a re-run derives the same plugin id. */
function seededBytes(seed: string): RandomBytes {
  let round = 0;
  return (size) => {
    const out = Buffer.alloc(size);
    for (let filled = 0; filled < size; ) {
      const block = createHash("sha256").update(`${seed}:${round++}`).digest();
      filled += block.copy(out, filled, 0, Math.min(block.length, size - filled));
    }
    return out;
  };
}
