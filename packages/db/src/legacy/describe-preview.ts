import type { MigrationPreview } from "./migration-preview.js";

const STARTING_POINTS: Record<MigrationPreview["startingPoint"], string> = {
  empty: "an empty database",
  current: "this platform's schema",
  "pre-refactor": "the pre-refactor plugin tables",
  "pre-refactor+alters": "the pre-refactor plugin tables with the original design's ALTERs applied",
  adopted: "this platform's schema, with the pre-refactor tables kept as backups",
};

/** The dry run as lines for a terminal: tables, rows, mapped types, what each step would do. */
export function describePreview(preview: MigrationPreview, options: { dropLegacy?: boolean } = {}): string[] {
  const lines = [`starting point: ${STARTING_POINTS[preview.startingPoint]}`];
  for (const problem of preview.problems) lines.push(`problem: ${problem}`);
  lines.push(
    preview.pending.length === 0
      ? "pending migrations: none (the schema is up to date)"
      : `pending migrations: ${preview.pending.join(", ")}`,
  );
  for (const r of preview.renames) {
    lines.push(
      `would rename ${r.from} (${r.rows} rows) to ${r.to}, kept as a backup until migrate --drop-legacy`,
    );
  }
  if (preview.createTables.length > 0) lines.push(`would create tables: ${preview.createTables.join(", ")}`);
  if (preview.addColumns.length > 0) lines.push(`would add columns: ${preview.addColumns.join(", ")}`);

  const plan = preview.import;
  if (plan !== null) {
    lines.push(
      `would import ${plan.source.pluginRows} plugin rows as ${plan.plugins.length} plugins` +
        (plan.alreadyThere > 0 ? ` (${plan.alreadyThere} already imported)` : ""),
    );
    for (const p of plan.plugins) {
      const versions = p.versions.map((v) => v.version).join(", ");
      lines.push(
        `  ${p.pluginId} "${p.name}": ${p.versions.length} version(s) [${versions}], current ${p.version}, ` +
          `type ${p.legacy.pluginType} -> ${p.pluginType}, was ${p.legacy.isEnabled === 1 ? "enabled" : "disabled"}, ` +
          `becomes isEnabled 2 (legacy native plugin)` +
          (p.legacy.installPath ? `, install path ${p.legacy.installPath}` : ""),
      );
    }
    for (const t of plan.types) {
      lines.push(
        `  type ${JSON.stringify(t.from)} -> ${t.to} (${t.plugins} plugin(s))` +
          (t.known ? "" : "; unknown here, the old type stays in legacy.pluginType"),
      );
    }
    const scopes = new Map<string, number>();
    for (const c of plan.scoped) scopes.set(c.scope, (scopes.get(c.scope) ?? 0) + 1);
    lines.push(
      `would import ${plan.source.configRows} config rows: ${plan.configs.length} global become plugin configs; ` +
        `all kept with their scope in t_plugin_scoped_config (${[...scopes].map(([s, n]) => `${s} ${n}`).join(", ") || "none"})`,
    );
    for (const note of plan.notes) lines.push(`  note: ${note}`);
  } else if (preview.pending.length > 0) {
    lines.push("would import no pre-refactor rows (none found)");
  }

  if (options.dropLegacy) {
    lines.push(
      preview.backups.length === 0 && preview.renames.length === 0
        ? "would drop no backups (there are none)"
        : `would drop ${[...preview.backups.map((b) => `${b.table} (${b.rows} rows)`), ...preview.renames.map((r) => `${r.to} (${r.rows} rows)`)].join(", ")} after the import`,
    );
  } else if (preview.backups.length > 0) {
    lines.push(
      `backups kept: ${preview.backups.map((b) => `${b.table} (${b.rows} rows)`).join(", ")}; drop them with migrate --drop-legacy`,
    );
  }
  return lines;
}
