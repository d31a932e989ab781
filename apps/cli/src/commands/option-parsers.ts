import { InvalidArgumentError } from "commander";

/** commander parser for --page, --page-size, --timeout: bad values are usage errors (exit 2). */
export function positiveInt(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError("must be a positive integer");
  }
  return Number(value);
}

export function oneOf(allowed: readonly string[]): (value: string) => string {
  return (value) => {
    if (!allowed.includes(value)) throw new InvalidArgumentError(`must be one of ${allowed.join(", ")}`);
    return value;
  };
}
