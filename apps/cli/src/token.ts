import { readFileSync } from "node:fs";
import path from "node:path";

export const TOKEN_FILE = path.join(".data", "admin-token");

export type TokenSource = "flag" | "env" | "file" | "none";

export interface ResolvedToken {
  token: string | undefined;
  source: TokenSource;
  /** The admin-token file that was used, when source is "file". */
  file?: string;
}

/**
 * --token, then ARCADE_TOKEN, then the `.data/admin-token` that `npm start`
 * writes. The file is looked for in the current directory and its parents,
 * because `pnpm --filter @arcade/cli ...` runs with apps/cli as cwd.
 */
export function resolveToken(input: { flag?: string; env: NodeJS.ProcessEnv; cwd: string }): ResolvedToken {
  const flag = input.flag?.trim();
  if (flag) return { token: flag, source: "flag" };
  const env = input.env.ARCADE_TOKEN?.trim();
  if (env) return { token: env, source: "env" };
  for (let dir = path.resolve(input.cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, TOKEN_FILE);
    const token = readToken(file);
    if (token) return { token, source: "file", file };
    if (path.dirname(dir) === dir) return { token: undefined, source: "none" };
  }
}

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
