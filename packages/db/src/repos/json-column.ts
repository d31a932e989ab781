import { AppError } from "@arcade/core";

/** Parses a JSON text column; a row that does not parse is corruption, reported as INTERNAL. */
export function parseJson<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new AppError("INTERNAL", `column ${column} holds invalid JSON`, { cause: error });
  }
}

export function parseJsonOrNull<T>(text: string | null, column: string): T | null {
  return text === null ? null : parseJson<T>(text, column);
}

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function toJsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
