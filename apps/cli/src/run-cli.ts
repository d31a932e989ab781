import { ApiClient } from "./api-client.js";
import type { CliContext } from "./cli-context.js";
import type { CommandHost } from "./command-host.js";
import { EXIT, UsageError } from "./errors.js";
import { commandName } from "./output/command-name.js";
import { reportError } from "./output/error-report.js";
import { Output, type TextStream } from "./output/output.js";
import { buildProgram, DEFAULT_URL, type GlobalFlags } from "./program.js";
import { resolveToken } from "./token.js";

/** The process around the CLI, passed in so tests can run it in-process. */
export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: TextStream;
  stderr: TextStream;
  stdin: NodeJS.ReadableStream;
  pollIntervalMs?: number;
  forceProgress?: boolean;
  fetch?: typeof fetch;
  /** Whether a person answers at this terminal; default: stdin and stdout are TTYs. */
  interactive?: boolean;
}

const DEFAULT_POLL_MS = 500;

/** Runs one command line and answers the exit code (0 ok, 1 failed, 2 usage, 3 unreachable). */
export async function runCli(argv: string[], io: CliEnvironment): Promise<number> {
  let exitCode: number = EXIT.ok;
  const host: CommandHost = {
    action(typedRun) {
      // The command's own signature was checked where it was registered.
      const run = typedRun as (ctx: CliContext, ...args: unknown[]) => Promise<number>;
      return async (...commanderArgs) => {
        const command = commanderArgs.at(-1) as { optsWithGlobals(): GlobalFlags };
        const globals = command.optsWithGlobals();
        const out = new Output(io.stdout, io.stderr, globals.json === true, commandName(io.env));
        try {
          const ctx = createContext(globals, out, io);
          // commander passes the declared arguments, the options, then the command itself.
          exitCode = await run(ctx, ...commanderArgs.slice(0, -1));
        } catch (error) {
          exitCode = reportError(error, out);
        }
      };
    },
  };
  const program = buildProgram(host, io);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    const code = (error as { code?: string }).code;
    // commander has already printed its message (or the help).
    if (code === "commander.helpDisplayed" || code === "commander.version") return EXIT.ok;
    if (typeof code === "string" && code.startsWith("commander.")) return EXIT.usage;
    throw error;
  }
  return exitCode;
}

function createContext(globals: GlobalFlags, out: Output, io: CliEnvironment): CliContext {
  const url = globals.url ?? io.env.ARCADE_API_URL?.trim() ?? DEFAULT_URL;
  if (!/^https?:\/\/[^/]/i.test(url) || !URL.canParse(url)) {
    throw new UsageError(`--url ${url} is not an http(s) URL`, `e.g. --url ${DEFAULT_URL}`);
  }
  const { token } = resolveToken({
    ...(globals.token === undefined ? {} : { flag: globals.token }),
    env: io.env,
    cwd: io.cwd,
  });
  return {
    client: new ApiClient({
      baseUrl: url,
      ...(token ? { token } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
    }),
    out,
    wait: globals.wait !== false,
    cwd: io.cwd,
    stdin: io.stdin,
    pollIntervalMs: io.pollIntervalMs ?? DEFAULT_POLL_MS,
    interactive:
      out.json !== true &&
      (io.interactive ?? ((io.stdin as { isTTY?: boolean }).isTTY === true && io.stdout.isTTY === true)),
    ...(io.forceProgress ? { forceProgress: true } : {}),
  };
}
