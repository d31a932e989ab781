/**
 * What a PromQL expression of the dashboard refers to: metric names, the labels it matches on
 * ({label="..."}) and the labels it groups by (by/without/on/ignoring lists). Enough of PromQL
 * for the dashboard's queries; not a parser.
 */
export interface PromqlRefs {
  metrics: string[];
  /** Labels used in a selector, per metric. */
  selectorLabels: { metric: string; label: string }[];
  /** Labels in by (...), without (...), on (...), ignoring (...) and group_left/right (...). */
  groupingLabels: string[];
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
]);

/** Aggregation operators: `sum by (x) (...)` puts the grouping before the parenthesis. */
const AGGREGATIONS = new Set([
  "sum",
  "avg",
  "min",
  "max",
  "count",
  "group",
  "stddev",
  "stdvar",
  "topk",
  "bottomk",
  "quantile",
  "count_values",
  "limitk",
  "limit_ratio",
]);

const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;

export function promqlRefs(expr: string): PromqlRefs {
  const refs: PromqlRefs = { metrics: [], selectorLabels: [], groupingLabels: [] };
  // Grafana variables ($__rate_interval, ${datasource}) and string literals are not names.
  const text = expr.replace(/\$\{?\w+\}?/g, " ").replace(/"(?:[^"\\]|\\.)*"/g, '""');
  let i = 0;
  let lastMetric: string | undefined;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "{") {
      const end = text.indexOf("}", i);
      const body = text.slice(i + 1, end);
      for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) {
        if (lastMetric) refs.selectorLabels.push({ metric: lastMetric, label: m[1]! });
      }
      i = end + 1;
      continue;
    }
    if (c === "[") {
      i = text.indexOf("]", i) + 1;
      continue;
    }
    IDENT.lastIndex = i;
    const match = IDENT.exec(text);
    if (!match || /[0-9]/.test(c)) {
      // Numbers (0.95, 1e3) and operators.
      i += /[0-9.]/.test(c) ? (/^[0-9.eE+-]+/.exec(text.slice(i))?.[0].length ?? 1) : 1;
      continue;
    }
    const word = match[0];
    i += word.length;
    const rest = text.slice(i);
    const lower = word.toLowerCase();
    if (["by", "without", "on", "ignoring", "group_left", "group_right"].includes(lower)) {
      const list = /^\s*\(([^)]*)\)/.exec(rest);
      if (list) {
        refs.groupingLabels.push(
          ...list[1]!
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        );
        i += list[0].length;
      }
      continue;
    }
    if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower)) continue;
    if (/^\s*\(/.test(rest)) continue; // a function call
    refs.metrics.push(word);
    lastMetric = word;
  }
  return refs;
}
