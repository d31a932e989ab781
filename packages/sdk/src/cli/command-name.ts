import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

/** The two commands the SDK's messages name: its own bin and the operator's CLI. */
const TOOLS = ["arcade-plugin", "arcade-plugins"] as const;

/**
 * How the user can run `bin` from their shell: the bare name when it is on their PATH, else
 * `pnpm exec <bin>` (the repository root links both bins into node_modules/.bin). The
 * node_modules/.bin folders `pnpm exec` and `npx` put on this process's PATH do not count:
 * they are not on the user's.
 */
export function commandName(bin: string, env: NodeJS.ProcessEnv = process.env): string {
  const onPath = (env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir !== "" && !/node_modules[\\/]\.bin[\\/]?$/.test(dir))
    .some((dir) => isExecutable(path.join(dir, bin)));
  return onPath ? bin : `pnpm exec ${bin}`;
}

/** The text with every `` `arcade-plugin ... `` / `` `arcade-plugins ... `` spelled as the user can run it. */
export function spellCommands(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const bin of TOOLS) {
    const name = commandName(bin, env);
    if (name !== bin) out = out.replaceAll(`\`${bin} `, `\`${name} `);
  }
  return out;
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
