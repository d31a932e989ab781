import { execFile } from "node:child_process";
import { cpSync, existsSync, globSync, mkdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A copy of the repository as a reader has it after cloning and installing: every file git
 * tracks or would add (the working tree, so the docs under test are the ones being edited), no
 * ignored files (.data/, dist zips, logs), and the dependencies installed by pnpm from its store
 * (offline, a few seconds). So each walk-through gets its own `.data/`, its own arcade.toml
 * edits and its own plugin builds, and nothing it does touches this checkout.
 *
 * Two things are taken over instead of redone, because the docs treat them as done by
 * `npm start` before and redoing them would only cost minutes: the toolchain in .tools/ (a
 * symbolic link) and the TypeScript build (each project's dist/ and tsconfig.tsbuildinfo, with
 * their times, so `tsc -b` in `npm start` compiles only what changed since).
 */
export async function freshCheckout(source: string, dest: string): Promise<void> {
  mkdirSync(dest, { recursive: true });
  const { stdout } = await run(
    "git",
    ["-C", source, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const files = new Set(stdout.split("\0").filter((f) => f !== ""));
  // A developer's own untracked config would change what the walk-through's platform does.
  files.delete("arcade.toml");
  for (const file of files) {
    const from = path.join(source, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet committed
    cpSync(from, path.join(dest, file), { preserveTimestamps: true, verbatimSymlinks: true });
  }

  const buildOutputs = globSync(
    ["apps/*/dist", "apps/*/*.tsbuildinfo", "packages/*/dist", "packages/*/*.tsbuildinfo"],
    {
      cwd: source,
    },
  );
  for (const output of buildOutputs) {
    cpSync(path.join(source, output), path.join(dest, output), { recursive: true, preserveTimestamps: true });
  }
  if (existsSync(path.join(source, ".tools")))
    symlinkSync(path.join(source, ".tools"), path.join(dest, ".tools"));

  try {
    await run("pnpm", ["install", "--frozen-lockfile", "--offline", "--config.confirmModulesPurge=false"], {
      cwd: dest,
      env: { ...process.env, CI: "1" },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `pnpm install in the fresh checkout ${dest} failed (is pnpm-lock.yaml up to date with every package.json?):\n${e.stdout ?? ""}${e.stderr ?? e.message}`,
    );
  }
}
