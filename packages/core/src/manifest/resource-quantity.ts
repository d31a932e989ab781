import { BYTE_QUANTITY, CPU_QUANTITY } from "@arcade/contracts";

const BYTE_RE = new RegExp(BYTE_QUANTITY);
const CPU_RE = new RegExp(CPU_QUANTITY);

// Kubernetes suffixes: binary Ki/Mi/Gi/Ti, decimal k/K/M/G/T (K is accepted as k by the contract).
const BYTE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * `"128Mi"` -> 134217728, `"500M"` -> 500000000, `"1024"` -> 1024, `"1.5Gi"` -> 1610612736.
 * A fraction of a byte rounds up, as Kubernetes does. Null for anything that is not
 * a quantity or does not fit in a safe integer.
 */
export function parseByteQuantity(text: string): number | null {
  if (typeof text !== "string" || text.length > 64 || !BYTE_RE.test(text)) return null;
  const match = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(text);
  if (!match) return null;
  const unit = BYTE_UNITS[match[2]!];
  if (unit === undefined) return null;
  const bytes = Math.ceil(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** `"100m"` -> 0.1, `"0.5"` -> 0.5, `"2"` -> 2 (cores). Null for anything else. */
export function parseCpuQuantity(text: string): number | null {
  if (typeof text !== "string" || text.length > 64 || !CPU_RE.test(text)) return null;
  const cores = text.endsWith("m") ? Number(text.slice(0, -1)) / 1000 : Number(text);
  return Number.isFinite(cores) ? cores : null;
}
