import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TOTALS = join(import.meta.dirname, "..", "..", "infra", "scripts", "totals.mjs");

interface Assertion {
  title: string;
  ancestorTitles: string[];
  status: "passed" | "failed" | "skipped" | "pending" | "todo";
}

function report(files: Record<string, Assertion[]>) {
  const all = Object.values(files).flat();
  const count = (status: string) => all.filter((a) => a.status === status).length;
  return {
    numPassedTests: count("passed"),
    numFailedTests: count("failed"),
    numPendingTests: count("skipped") + count("pending"),
    numTodoTests: count("todo"),
    testResults: Object.entries(files).map(([name, assertionResults]) => ({
      name,
      status: assertionResults.some((a) => a.status === "failed") ? "failed" : "passed",
      assertionResults,
    })),
  };
}

const ok = (title: string): Assertion => ({ title, ancestorTitles: ["suite"], status: "passed" });
const skipped = (title: string): Assertion => ({ title, ancestorTitles: ["suite"], status: "skipped" });

describe("totals.mjs (the test command's last line)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "totals-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function totals(body: unknown, allowList?: unknown, exitCode = 0) {
    const reportFile = join(dir, `report-${Math.random()}.json`);
    await writeFile(reportFile, JSON.stringify(body));
    const args = [TOTALS, reportFile, String(exitCode)];
    if (allowList !== undefined) {
      const listFile = join(dir, `allow-${Math.random()}.json`);
      await writeFile(listFile, typeof allowList === "string" ? allowList : JSON.stringify(allowList));
      args.push(listFile);
    }
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args);
    return { line: stdout.trim(), stderr };
  }

  it("counts a run where everything ran", async () => {
    const { line } = await totals(report({ "/r/a.test.ts": [ok("one"), ok("two")] }), []);
    expect(line).toBe("2 passed, 0 failed");
  });

  it("counts a skipped test that the allow-list does not name as a failure, and names it", async () => {
    const { line, stderr } = await totals(
      report({ "/r/a.test.ts": [ok("one"), skipped("needs redis")] }),
      [],
    );
    expect(line).toBe("1 passed, 1 failed, 1 skipped");
    expect(stderr).toContain("/r/a.test.ts: suite > needs redis");
  });

  it("lets a skip through when the allow-list names its file and test with a reason", async () => {
    const allow = [{ file: "a.test.ts", test: "suite > needs", reason: "no GPU on these machines" }];
    const { line } = await totals(report({ "/r/a.test.ts": [ok("one"), skipped("needs redis")] }), allow);
    expect(line).toBe("1 passed, 0 failed, 1 skipped");
  });

  it("does not accept an allow-list entry without a reason", async () => {
    const allow = [{ file: "a.test.ts", test: "suite", reason: " " }];
    const { line } = await totals(report({ "/r/a.test.ts": [skipped("x")] }), allow);
    expect(line).toBe("0 passed, 1 failed, 1 skipped");
  });

  it("counts an unreadable allow-list as a failure", async () => {
    const { line } = await totals(report({ "/r/a.test.ts": [ok("one")] }), "{ not json");
    expect(line).toBe("1 passed, 1 failed");
  });

  it("counts a non-zero vitest exit without failed tests as a failure", async () => {
    const { line } = await totals(report({ "/r/a.test.ts": [ok("one")] }), [], 1);
    expect(line).toBe("1 passed, 1 failed");
  });
});
