/**
 * Orders the version strings of old rows, which were never checked: "1.2.0", "v1.10",
 * "2.0.0-beta.1", "latest". Numeric parts compare as numbers (1.10 > 1.9), missing parts
 * count as 0, a pre-release sorts below its release (semver's rule), and strings that do
 * not start with a number sort below every one that does, among themselves by text.
 */
export function compareLegacyVersions(a: string, b: string): number {
  const pa = parseLoose(a);
  const pb = parseLoose(b);
  if (pa === null || pb === null) {
    if (pa !== null) return 1;
    if (pb !== null) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const length = Math.max(pa.numbers.length, pb.numbers.length);
  for (let i = 0; i < length; i++) {
    const diff = (pa.numbers[i] ?? 0) - (pb.numbers[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  if (pa.pre.length === 0 && pb.pre.length === 0) return 0;
  if (pa.pre.length === 0) return 1;
  if (pb.pre.length === 0) return -1;
  for (let i = 0; i < Math.max(pa.pre.length, pb.pre.length); i++) {
    const x = pa.pre[i];
    const y = pb.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : null;
    const ny = /^\d+$/.test(y) ? Number(y) : null;
    if (nx !== null && ny !== null && nx !== ny) return Math.sign(nx - ny);
    if (nx !== null && ny === null) return -1;
    if (nx === null && ny !== null) return 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function parseLoose(version: string): { numbers: number[]; pre: string[] } | null {
  const match = /^\s*[vV=]?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+\S*)?\s*$/.exec(version);
  if (!match) return null;
  return {
    numbers: match[1]!.split(".").map(Number),
    pre: match[2] ? match[2].split(".") : [],
  };
}
