import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  globSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  type Stats,
  symlinkSync,
} from "node:fs";
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
  const files = await sourceFiles(source);
  // A developer's own untracked config would change what the walk-through's platform does;
  // the toolchain is linked below.
  files.delete("arcade.toml");
  files.delete(".tools");
  for (const file of files) {
    const from = path.join(source, file);
    const to = path.join(dest, file);
    const info = lstatSafe(from);
    if (!info) continue; // deleted in the working tree, not yet committed
    mkdirSync(path.dirname(to), { recursive: true });
    if (info.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (info.isFile()) cpSync(from, to, { preserveTimestamps: true });
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

/**
 * What git tracks or would add. A copy without .git (a scratch copy to try a change of the docs
 * in) falls back to every file but the ignored kinds this repository has.
 */
async function sourceFiles(source: string): Promise<Set<string>> {
  try {
    // Only a repository of its own: a copy inside another checkout's ignored .data/ would list nothing.
    const { stdout: top } = await run("git", ["-C", source, "rev-parse", "--show-toplevel"]);
    if (realpathSync(top.trim()) !== realpathSync(source)) throw new Error("not the repository's root");
    const { stdout } = await run(
      "git",
      ["-C", source, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return new Set(stdout.split("\0").filter((f) => f !== ""));
  } catch {
    const skip = new Set(["node_modules", ".git", ".data", ".tools", ".turbo", "dist", "coverage"]);
    const files = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(path.join(source, dir), { withFileTypes: true })) {
        if (skip.has(entry.name) || /\.(log|tsbuildinfo)$/.test(entry.name)) continue;
        const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(rel);
        else files.add(rel);
      }
    };
    walk("");
    return files;
  }
}

function lstatSafe(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}
