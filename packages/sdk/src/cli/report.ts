import path from "node:path";
import { isAppError } from "@arcade/core";
import { spellCommands } from "./command-name.js";

/** Paths as the user would type them: relative to where they ran the command. */
export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") ? relative : file;
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** One failure, printed for a person: what went wrong, and what to do about it. */
export function reportError(error: unknown): void {
  if (isAppError(error)) {
    console.error(`error [${error.code}]: ${error.message}`);
    if (error.detail) console.error(`  hint: ${spellCommands(error.detail)}`);
  } else {
    console.error(`error: ${spellCommands(error instanceof Error ? error.message : String(error))}`);
  }
  process.exitCode = 1;
}
