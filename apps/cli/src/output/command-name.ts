import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

/** The bin's name (apps/cli/package.json). */
export const CLI_NAME = "arcade-plugins";

/** How a checkout runs it: the root package links the bin into node_modules/.bin. */
export const CHECKOUT_COMMAND = `pnpm exec ${CLI_NAME}`;

/**
 * The command a hint should name so that it runs in the user's shell: `arcade-plugins` when it is
 * on their PATH (installed globally), else `pnpm exec arcade-plugins` (from the checkout). The
 * node_modules/.bin folders that `pnpm exec` and `npx` add to the PATH of this process only are
 * not the user's PATH, so they do not count.
 */
export function commandName(env: NodeJS.ProcessEnv): string {
  const dirs = (env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir !== "" && !/node_modules[\\/]\.bin[\\/]?$/.test(dir));
  return dirs.some((dir) => isExecutable(path.join(dir, CLI_NAME))) ? CLI_NAME : CHECKOUT_COMMAND;
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
