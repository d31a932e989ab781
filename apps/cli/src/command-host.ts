import type { CliContext } from "./cli-context.js";

/**
 * What command files register their actions through: the host turns the
 * global options into a CliContext, runs the command, prints any error and
 * records the exit code. Commands answer their exit code.
 */
export interface CommandHost {
  action<A extends unknown[]>(
    run: (ctx: CliContext, ...args: A) => Promise<number>,
  ): (...commanderArgs: unknown[]) => Promise<void>;
}
