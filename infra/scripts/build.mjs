#!/usr/bin/env node
// `pnpm run build`: compiles every app and package into its dist/ with `tsc -b` (incremental:
// only what changed since the last build is compiled again), then copies the plain-JavaScript
// modules that live beside the TypeScript (e.g. the plugin sandbox bootstrap) into dist/.
//   node infra/scripts/build.mjs [--quiet] [--clean]
import { spawn } from "node:child_process";
import { cpSync, existsSync, globSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { createInterface } from "node:readline";

const root = join(import.meta.dirname, "..", "..");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const say = (line) => quiet || process.stderr.write(`[build] ${line}\n`);

const projects = ["apps/*", "packages/*"]
  .flatMap((pattern) => globSync(pattern, { cwd: root }))
  .filter((dir) => existsSync(join(root, dir, "tsconfig.json")) && existsSync(join(root, dir, "src")))
  .sort();

if (args.has("--clean")) {
  for (const dir of projects) rmSync(join(root, dir, "dist"), { recursive: true, force: true });
  say(`removed dist/ of ${projects.length} projects`);
}

const started = performance.now();
say(`tsc -b: ${projects.length} projects (only what changed is compiled)`);
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const status = await new Promise((resolve) => {
  const child = spawn(process.execPath, [tsc, "-b", "--verbose"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  // --verbose names every project it looks at; pass on what it builds and every error, as it
  // happens, and leave out the projects that are up to date.
  createInterface({ input: child.stdout }).on("line", (line) => {
    const text = line.replace(/^\[?[\d:.]+(?: [AP]M)?\]?(?: - )?/, "");
    if (
      /^Projects in this build|is up to date|is out of date|^Updating unchanged output|^\s+\* /.test(text) ||
      text.trim() === ""
    )
      return;
    if (quiet && !/error|warning/i.test(text)) return;
    process.stderr.write(`${/^Building project/.test(text) ? "[build] " : ""}${text}\n`);
  });
  child.on("close", (code) => resolve(code ?? 1));
});
if (status !== 0) {
  process.stderr.write(
    "[build] error: tsc -b failed (see above). Fix the type errors, then run `pnpm run build` again.\n",
  );
  process.exit(status);
}

let copied = 0;
for (const dir of projects) {
  for (const file of globSync("src/**/*.{mjs,cjs}", { cwd: join(root, dir) })) {
    const target = join(root, dir, "dist", relative("src", file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(root, dir, file), target, { preserveTimestamps: true });
    copied += 1;
  }
}
say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s (${copied} JavaScript assets copied)`);
