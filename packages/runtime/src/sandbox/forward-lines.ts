import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** A plugin that prints a huge line must not make the node's log pipeline choke. */
export const MAX_LINE_CHARS = 16_384;

/**
 * Reads a worker's stdout/stderr line by line and hands each line to `write`.
 * The worker's output never reaches the process's own stdout: it goes to the logger.
 */
export function forwardLines(stream: Readable, write: (line: string) => void): void {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", (line) => {
    if (line.length === 0) return;
    write(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… (truncated)` : line);
  });
}
