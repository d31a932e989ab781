// The SDK spells its own hints the same way; its subpath keeps the SDK itself out of start-up.
import { commandName as spelledForShell } from "@arcade/sdk/command-name";

/** The bin's name (apps/cli/package.json). */
export const CLI_NAME = "arcade-plugins";

/** How a checkout runs it: the root package links the bin into node_modules/.bin. */
export const CHECKOUT_COMMAND = `pnpm exec ${CLI_NAME}`;

/**
 * The command a hint should name so that it runs in the user's shell: `arcade-plugins` when it is
 * on their PATH (installed globally), else `pnpm exec arcade-plugins` (from the checkout).
 */
export function commandName(env: NodeJS.ProcessEnv): string {
  return spelledForShell(CLI_NAME, env);
}
