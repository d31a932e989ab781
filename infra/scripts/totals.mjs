#!/usr/bin/env node
// Prints the one-line test totals `N passed, N failed[, N skipped]` from vitest's JSON report.
// usage: node totals.mjs <vitest.json> [vitest exit code] [skip allow-list]
// A skipped test fails the run unless the allow-list (test/skipped-tests.json) names it with a
// reason: inside the test command every service is there, so a skip means a test did not run.
// A missing or unreadable report means vitest crashed before reporting: that is a failure.
// A file that failed to load (no test inside it ran) counts as one failed test, and so does
// a non-zero vitest exit with no failed test (an unhandled error), so a broken run can never
// print `0 failed`.
import { readFileSync } from "node:fs";

const [file, exitArg, allowListFile] = process.argv.slice(2);
const vitestExit = Number(exitArg ?? "0");

function readReport(path) {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

const report = readReport(file);
if (report === undefined) {
  process.stderr.write(
    `totals: no readable vitest report at ${file ?? "(none)"}; counting the run as failed\n`,
  );
  process.stdout.write("0 passed, 1 failed\n");
  process.exit(0);
}

const passed = report.numPassedTests ?? 0;
let failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);

// [{ "file": "path/of/x.test.ts", "test": "full name, or a prefix of it", "reason": "why" }]
const allowed = allowListFile ? (readReport(allowListFile) ?? null) : [];
if (allowed === null) {
  process.stderr.write(
    `totals: the skip allow-list ${allowListFile} is not readable JSON; counting 1 failure\n`,
  );
  failed += 1;
}
const isAllowed = (fileName, fullName) =>
  (allowed ?? []).some(
    (entry) =>
      typeof entry.reason === "string" &&
      entry.reason.trim() !== "" &&
      fileName.endsWith(entry.file) &&
      fullName.startsWith(entry.test ?? ""),
  );
const unexpectedSkips = [];
for (const result of report.testResults ?? []) {
  for (const assertion of result.assertionResults ?? []) {
    if (!["skipped", "pending", "todo"].includes(assertion.status)) continue;
    const fullName = [...(assertion.ancestorTitles ?? []), assertion.title].join(" > ");
    if (!isAllowed(result.name, fullName)) unexpectedSkips.push(`${result.name}: ${fullName}`);
  }
}
for (const skip of unexpectedSkips) {
  process.stderr.write(`totals: skipped without a reason in the allow-list: ${skip}\n`);
}
if (unexpectedSkips.length > 0) {
  process.stderr.write(
    `totals: ${unexpectedSkips.length} skipped test(s) count as failures; make them run, or list each in ${allowListFile ?? "the allow-list"} with its reason\n`,
  );
  failed += unexpectedSkips.length;
}

const brokenFiles = (report.testResults ?? []).filter(
  (file) =>
    file.status === "failed" &&
    !(file.assertionResults ?? []).some((assertion) => assertion.status === "failed"),
);
for (const broken of brokenFiles) {
  process.stderr.write(
    `totals: ${broken.name} failed outside any test: ${broken.message ?? "(no message)"}\n`,
  );
}
failed += brokenFiles.length;
if (failed === 0 && vitestExit !== 0) {
  process.stderr.write(
    `totals: vitest exited with code ${vitestExit} although no test failed; counting 1 failure\n`,
  );
  failed = 1;
}

process.stdout.write(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}\n`);
