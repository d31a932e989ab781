import type { Writable } from "node:stream";
import { CLI_NAME } from "./command-name.js";

export type TextStream = Writable & { isTTY?: boolean; columns?: number };

/**
 * Where the CLI writes. Results go to stdout; with --json stdout carries only
 * JSON documents, so progress and notes move to stderr.
 */
export class Output {
  /**
   * `command`: how the user runs this CLI (see commandName). Messages name commands as
   * `` `arcade-plugins ...` `` in backticks; they are written with this command instead, so
   * every hint can be pasted into the user's shell as it is.
   */
  constructor(
    readonly stdout: TextStream,
    readonly stderr: TextStream,
    readonly json: boolean,
    readonly command: string = CLI_NAME,
  ) {}

  /** The text with every `` `arcade-plugins `` command spelled as the user runs it. */
  render(text: string): string {
    return this.command === CLI_NAME ? text : text.replaceAll(`\`${CLI_NAME} `, `\`${this.command} `);
  }

  /** A line of the human result (stdout). Ignored in --json mode. */
  line(text = ""): void {
    if (!this.json) this.stdout.write(`${this.render(text)}\n`);
  }

  /** Progress and notes: stdout for people, stderr when stdout is reserved for JSON. */
  progress(text: string): void {
    (this.json ? this.stderr : this.stdout).write(`${this.render(text)}\n`);
  }

  /** A side remark that must not mix with a result someone may pipe (stderr). */
  note(text: string): void {
    this.stderr.write(`${this.render(text)}\n`);
  }

  /** Error lines (stderr in both modes). */
  error(text: string): void {
    this.stderr.write(`${this.render(text)}\n`);
  }

  /** A machine-readable document (stdout, --json mode only). */
  data(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}
