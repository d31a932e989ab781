import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureStream } from "../test-support/capture.js";
import { CHECKOUT_COMMAND, CLI_NAME, commandName } from "./command-name.js";
import { Output } from "./output.js";

let dir: string;
let globalBin: string;
let checkoutBin: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "arcade-cli-path-"));
  globalBin = path.join(dir, "usr", "local", "bin");
  checkoutBin = path.join(dir, "repo", "node_modules", ".bin");
  for (const bin of [globalBin, checkoutBin]) {
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, CLI_NAME), "#!/bin/sh\n");
    await chmod(path.join(bin, CLI_NAME), 0o755);
  }
  await mkdir(path.join(dir, "not-executable"));
  await writeFile(path.join(dir, "not-executable", CLI_NAME), "");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the command hints name", () => {
  it("is the bare name when it is on the user's PATH (a global install)", () => {
    expect(commandName({ PATH: ["/nowhere", globalBin].join(path.delimiter) })).toBe(CLI_NAME);
  });

  it("goes through pnpm when only `pnpm exec`/`npx` put it on this process's PATH", () => {
    expect(commandName({ PATH: [checkoutBin, "/usr/bin"].join(path.delimiter) })).toBe(CHECKOUT_COMMAND);
    expect(commandName({ PATH: path.join(dir, "not-executable") })).toBe(CHECKOUT_COMMAND);
    expect(commandName({})).toBe(CHECKOUT_COMMAND);
  });

  it("is used for every `arcade-plugins ...` a message names", () => {
    const stdout = captureStream();
    const stderr = captureStream();
    const out = new Output(stdout, stderr, false, CHECKOUT_COMMAND);
    out.line("install one with `arcade-plugins install <zip>`");
    out.error("hint: see `arcade-plugins versions x` and `arcade-plugins get x`");
    expect(stdout.text()).toBe("install one with `pnpm exec arcade-plugins install <zip>`\n");
    expect(stderr.text()).toBe(
      "hint: see `pnpm exec arcade-plugins versions x` and `pnpm exec arcade-plugins get x`\n",
    );
  });
});
