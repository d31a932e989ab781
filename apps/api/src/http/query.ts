import type { FieldError } from "@arcade/contracts";
import { AppError } from "@arcade/core";

/** Small, strict query-string readers: a bad value is a 400 naming the parameter. */
export class QueryReader {
  readonly errors: FieldError[] = [];

  constructor(private readonly query: Record<string, string | undefined>) {}

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.query[name];
    if (raw === undefined || raw === "") return fallback;
    if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.errors.push({ path: `/${name}`, message: `must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return Number(raw);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.query[name];
    if (raw === undefined || raw === "") return undefined;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.errors.push({ path: `/${name}`, message: `must be one of ${allowed.join(", ")}` });
      return undefined;
    }
    return raw as T;
  }

  text(name: string, maxLength: number): string | undefined {
    const raw = this.query[name];
    if (raw === undefined || raw === "") return undefined;
    if (raw.length > maxLength) {
      this.errors.push({ path: `/${name}`, message: `must be at most ${maxLength} characters` });
      return undefined;
    }
    return raw;
  }

  bool(name: string): boolean | undefined {
    const raw = this.query[name];
    if (raw === undefined || raw === "") return undefined;
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    this.errors.push({ path: `/${name}`, message: "must be true or false" });
    return undefined;
  }

  done(): void {
    if (this.errors.length > 0) {
      throw new AppError("VALIDATION_FAILED", "invalid query parameters", { errors: this.errors });
    }
  }
}
