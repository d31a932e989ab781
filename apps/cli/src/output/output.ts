import type { Writable } from "node:stream";

export type TextStream = Writable & { isTTY?: boolean; columns?: number };

/**
 * Where the CLI writes. Results go to stdout; with --json stdout carries only
 * JSON documents, so progress and notes move to stderr.
 */
export class Output {
  constructor(
    readonly stdout: TextStream,
    readonly stderr: TextStream,
    readonly json: boolean,
  ) {}

  /** A line of the human result (stdout). Ignored in --json mode. */
  line(text = ""): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  /** Progress and notes: stdout for people, stderr when stdout is reserved for JSON. */
  progress(text: string): void {
    (this.json ? this.stderr : this.stdout).write(`${text}\n`);
  }

  /** A side remark that must not mix with a result someone may pipe (stderr). */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** Error lines (stderr in both modes). */
  error(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** A machine-readable document (stdout, --json mode only). */
  data(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}
