import { Readable, Writable } from "node:stream";
import { ApiClient } from "../api-client.js";
import type { CliContext } from "../cli-context.js";
import { Output } from "../output/output.js";
import type { CliEnvironment } from "../run-cli.js";

export interface CapturedStream extends Writable {
  isTTY?: boolean;
  text(): string;
}

/** A writable that keeps what was written, for asserting on the CLI's output. */
export function captureStream(): CapturedStream {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  }) as CapturedStream;
  stream.text = () => text;
  return stream;
}

export interface TestIo {
  stdout: CapturedStream;
  stderr: CapturedStream;
}

/** A CliContext for calling command functions directly against `url`. */
export function testContext(
  url: string,
  options: { json?: boolean; wait?: boolean; token?: string; cwd?: string; stdin?: string } = {},
): TestIo & { ctx: CliContext } {
  const stdout = captureStream();
  const stderr = captureStream();
  const ctx: CliContext = {
    client: new ApiClient({ baseUrl: url, token: options.token ?? "test-token" }),
    out: new Output(stdout, stderr, options.json === true),
    wait: options.wait !== false,
    cwd: options.cwd ?? process.cwd(),
    stdin: Readable.from([options.stdin ?? ""]),
    pollIntervalMs: 5,
  };
  return { ctx, stdout, stderr };
}

/** The process environment for runCli: nothing inherited from the real one. */
export function testEnvironment(
  env: NodeJS.ProcessEnv,
  cwd: string,
  stdin = "",
): TestIo & { io: CliEnvironment } {
  const stdout = captureStream();
  const stderr = captureStream();
  return {
    stdout,
    stderr,
    io: { env, cwd, stdout, stderr, stdin: Readable.from([stdin]), pollIntervalMs: 5 },
  };
}
