import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pidAlive } from "../harness/platform-process.js";
import { extractBlocks, WalkthroughDocError } from "./markdown-blocks.js";
import { runWalkthrough } from "./walkthrough-runner.js";

// The runner that executes the READMEs' walk-throughs (walkthroughs.e2e.test.ts), on small
// Markdown documents: what it runs, what it skips and says so, and what fails a walk-through.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "arcade-walkthrough-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fence = "```";
const doc = (...parts: string[]) => parts.join("\n");
const sh = (text: string, directive?: string) =>
  `${directive ? `<!-- walkthrough: ${directive} -->\n` : ""}${fence}sh\n${text}\n${fence}\n`;

function run(markdown: string, options: { sections?: string[]; timeoutMs?: number } = {}) {
  const blocks = extractBlocks("DOC.md", markdown, options.sections);
  return runWalkthrough(blocks, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
    runDir: path.join(dir, ".run"),
    blockTimeoutMs: options.timeoutMs ?? 30_000,
    stopGraceMs: 5000,
  });
}

describe("extracting a walk-through from Markdown", () => {
  it("takes the sh blocks of the named sections in order, with their directives", () => {
    const markdown = doc(
      "# Title",
      sh("echo outside"),
      "## First",
      sh("echo one"),
      `${fence}json\n{"not": "run"}\n${fence}`,
      "### Inside first",
      sh("npm start", "background platform"),
      "## Second",
      sh("echo two", "illustrative needs a cluster"),
      "## Third",
      sh("echo three"),
    );
    const blocks = extractBlocks("DOC.md", markdown, ["First", "Third"]);
    expect(blocks.map((b) => [b.text.trim(), b.section, b.mode])).toEqual([
      ["echo one", "First", { kind: "run" }],
      ["npm start", "Inside first", { kind: "background", terminal: "platform" }],
      ["echo three", "Third", { kind: "run" }],
    ]);
    expect(blocks[0]?.line).toBe(7);
    expect(extractBlocks("DOC.md", markdown)).toHaveLength(5);
  });

  it("refuses a missing section, an unknown directive, and a directive that is not above an sh block", () => {
    expect(() => extractBlocks("DOC.md", "# A\n", ["B"])).toThrow(/no heading "B"/);
    expect(() => extractBlocks("DOC.md", sh("true", "backgroud platform"))).toThrow(WalkthroughDocError);
    expect(() => extractBlocks("DOC.md", sh("true", "illustrative"))).toThrow(/needs a reason/);
    expect(() =>
      extractBlocks("DOC.md", `<!-- walkthrough: illustrative x -->\ntext\n${sh("true")}`),
    ).toThrow(/right above/);
  });
});

describe("running a walk-through", () => {
  it("carries variables, exports and the folder from block to block, like one terminal", async () => {
    const result = await run(
      doc(
        "# Steps",
        sh("mkdir sub && cd sub\nexport GREETING=hello\nLOCAL=world"),
        sh(
          'test "$(basename "$PWD")" = sub\necho "$GREETING $LOCAL" > note.txt\nbash -c \'test "$GREETING" = hello\'',
        ),
      ),
    );
    expect(result.failure).toBeUndefined();
    expect(result.outcomes.map((o) => o.status)).toEqual(["passed", "passed"]);
    expect(await readFile(path.join(dir, "sub", "note.txt"), "utf8")).toBe("hello world\n");
  });

  it("fails on the first command that fails inside a block, and runs nothing after it", async () => {
    const result = await run(
      doc(
        "# Steps",
        sh("echo first > a.txt"),
        sh("false\necho 'not reached' > b.txt\ntrue"),
        sh("echo never > c.txt"),
      ),
    );
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => o.status)).toEqual(["passed", "failed", "not-run"]);
    expect(result.outcomes[1]).toMatchObject({ exitCode: 1, reason: "exit code 1" });
    expect(result.failure).toContain("walk-through step failed: DOC.md:6");
    expect(result.failure).toContain("false\necho 'not reached' > b.txt");
    expect(existsSync(path.join(dir, "b.txt"))).toBe(false);
    expect(existsSync(path.join(dir, "c.txt"))).toBe(false);
  });

  it("fails a pipeline whose first command fails, and a block whose output check fails", async () => {
    const piped = await run(doc("# S", sh("cat missing-file | wc -l")));
    expect(piped.ok).toBe(false);
    const checked = await run(
      doc("# S", sh('echo \'{"state":"failed"}\' | grep -q \'"state":"succeeded"\'')),
    );
    expect(checked.ok).toBe(false);
    expect(checked.outcomes[0]?.status).toBe("failed");
  });

  it("reports an illustrative block as skipped with its reason, without running it", async () => {
    const result = await run(
      doc("# S", sh("touch ran.txt", "illustrative installs into /usr/local/bin"), sh("echo ok")),
    );
    expect(result.ok).toBe(true);
    expect(result.outcomes.map((o) => [o.status, o.reason])).toEqual([
      ["skipped", "installs into /usr/local/bin"],
      ["passed", undefined],
    ]);
    expect(existsSync(path.join(dir, "ran.txt"))).toBe(false);
  });

  it("runs a background block on while the next ones run, restarts it in its terminal, and stops it at the end", async () => {
    const result = await run(
      doc(
        "# S",
        sh("echo $$ > first.pid\nexport MODE=one\nsleep 300", "background server"),
        sh("until [ -s first.pid ]; do sleep 0.1; done"),
        // The same terminal again: Ctrl-C first, then this block, with the terminal's variables.
        sh('echo "$MODE" > mode.txt\necho $$ > second.pid\nsleep 300', "background server"),
        sh("until [ -s second.pid ]; do sleep 0.1; done"),
      ),
    );
    expect(result.failure).toBeUndefined();
    expect(result.outcomes.map((o) => o.status)).toEqual(["started", "passed", "started", "passed"]);
    expect(await readFile(path.join(dir, "mode.txt"), "utf8")).toBe("one\n");
    for (const file of ["first.pid", "second.pid"]) {
      const pid = Number(await readFile(path.join(dir, file), "utf8"));
      expect(await pidAlive(pid)).toBe(false);
    }
  });

  it("fails when a background terminal ends by itself, with its output in the report", async () => {
    const result = await run(
      doc("# S", sh("echo 'port in use' >&2\nexit 3", "background server"), sh("sleep 30")),
    );
    expect(result.ok).toBe(false);
    expect(result.failure).toMatch(/terminal "server" .* ended/);
    expect(result.failure).toContain("port in use");
  });

  it("fails a block that runs longer than the limit", async () => {
    const result = await run(doc("# S", sh("sleep 60")), { timeoutMs: 1000 });
    expect(result.ok).toBe(false);
    expect(result.outcomes[0]?.reason).toBe("did not finish within 1s");
  });
});
