export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

/** A plain space-aligned table; the last column is not padded, so long values do not widen the rest. */
export function renderTable<T>(columns: Column<T>[], rows: T[]): string[] {
  const cells = rows.map((row) => columns.map((c) => clean(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? "").length)));
  const format = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [format(columns.map((c) => c.header)), ...cells.map(format)];
}

function clean(value: string): string {
  return value.replace(/[\r\n\t]+/g, " ");
}
