import type { QueryRunner } from "typeorm";
import { executedMigrations } from "../migrate.js";
import { IMPORT_MIGRATION_NAME, MIGRATIONS } from "../migrations/index.js";
import { type ImportPlan, planImport } from "./legacy-plan.js";
import { readLegacyConfigs, readLegacyPlugins } from "./legacy-rows.js";
import {
  configTableShape,
  isPreRefactor,
  LEGACY_CONFIG_BACKUP,
  LEGACY_PLUGIN_BACKUP,
  locateLegacyRows,
  pluginTableShape,
  type TableShape,
} from "./legacy-tables.js";
import { columnsOf, countRows, tableExists } from "./schema-probe.js";

/** The tables of the current schema, in the order the migrations create them. */
const CURRENT_TABLES = [
  "t_plugin",
  "t_plugin_version",
  "t_plugin_config",
  "t_plugin_operation",
  "t_cluster_revision",
  "t_plugin_scoped_config",
  "t_plugin_rollout",
] as const;
const ADDED_COLUMNS = [
  ["t_plugin", "error"],
  ["t_plugin", "legacy"],
  ["t_plugin_version", "legacy"],
] as const;

export type StartingPoint = "empty" | "current" | "pre-refactor" | "pre-refactor+alters" | "adopted";

/** What `migrate` would do, found by reading only (the dry run). */
export interface MigrationPreview {
  startingPoint: StartingPoint;
  pending: string[];
  renames: { from: string; to: string; rows: number }[];
  createTables: string[];
  addColumns: string[];
  /** Null when the import is done already or there is nothing to import. */
  import: (ImportPlan & { alreadyThere: number }) | null;
  /** Backups that `--drop-legacy` would drop, with their rows. */
  backups: { table: string; rows: number }[];
  /** Why the migration would stop without changing anything (a table it does not recognise). */
  problems: string[];
}

export async function previewMigrations(runner: QueryRunner): Promise<MigrationPreview> {
  const executed = new Set(await executedMigrations(runner));
  const pending = MIGRATIONS.map((m) => new m().name ?? m.name).filter((name) => !executed.has(name));
  const plugin = await pluginTableShape(runner);
  const config = await configTableShape(runner);
  const backups: { table: string; rows: number }[] = [];
  for (const table of [LEGACY_PLUGIN_BACKUP, LEGACY_CONFIG_BACKUP]) {
    if (await tableExists(runner, table)) backups.push({ table, rows: await countRows(runner, table) });
  }

  const renames: MigrationPreview["renames"] = [];
  if (isPreRefactor(plugin)) {
    renames.push({ from: "t_plugin", to: LEGACY_PLUGIN_BACKUP, rows: await countRows(runner, "t_plugin") });
  }
  if (isPreRefactor(config)) {
    renames.push({
      from: "t_plugin_config",
      to: LEGACY_CONFIG_BACKUP,
      rows: await countRows(runner, "t_plugin_config"),
    });
  }
  const renamed = new Set(renames.map((r) => r.from));
  const createTables: string[] = [];
  for (const table of CURRENT_TABLES) {
    if (renamed.has(table) || !(await tableExists(runner, table))) createTables.push(table);
  }
  const addColumns: string[] = [];
  for (const [table, column] of ADDED_COLUMNS) {
    if (createTables.includes(table)) continue;
    if (!(await columnsOf(runner, table)).has(column)) addColumns.push(`${table}.${column}`);
  }

  let preview: MigrationPreview["import"] = null;
  const located = await locateLegacyRows(runner);
  if (pending.includes(IMPORT_MIGRATION_NAME) && (located.plugins !== null || located.configs !== null)) {
    const plan = planImport(
      located.plugins ? await readLegacyPlugins(runner, located.plugins) : [],
      located.configs ? await readLegacyConfigs(runner, located.configs) : [],
      new Date(),
    );
    let alreadyThere = 0;
    if (plugin === "current") {
      for (const p of plan.plugins) {
        const rows: unknown[] = await runner.query("SELECT 1 FROM t_plugin WHERE plugin_id = ?", [
          p.pluginId,
        ]);
        if (rows.length > 0) alreadyThere += 1;
      }
    }
    preview = { ...plan, alreadyThere };
  }

  const shapes: [string, TableShape][] = [
    ["t_plugin", plugin],
    ["t_plugin_config", config],
  ];
  const problems = shapes
    .filter(([, shape]) => shape === "unknown")
    .map(
      ([table]) =>
        `${table} is neither this platform's table nor the pre-refactor one: the migration would stop`,
    );

  return {
    startingPoint: startingPoint(plugin, config, backups.length > 0),
    problems,
    pending,
    renames,
    createTables,
    addColumns,
    import: preview,
    backups,
  };
}

function startingPoint(plugin: TableShape, config: TableShape, hasBackups: boolean): StartingPoint {
  if (isPreRefactor(plugin)) return plugin === "pre-refactor" ? "pre-refactor" : "pre-refactor+alters";
  if (isPreRefactor(config)) return "pre-refactor";
  if (hasBackups) return "adopted";
  return plugin === "absent" ? "empty" : "current";
}
