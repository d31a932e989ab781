import type { ErrorCode, JobResource, Problem } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import type { Platform } from "../../harness/index.js";
import type { RawAnswer } from "./raw-http.js";
import { captureState, errorLines, findMarkedFiles } from "./state-snapshot.js";

/** Every file name a case controls carries this, so an escaped write can be found by name. */
export const MARKER = "hstl";

/** An answer, from fetch or a raw socket, reduced to what the checks need. */
export interface Answer {
  status: number;
  contentType: string;
  /** The problem's code when the body is application/problem+json. */
  code: string | undefined;
  /** The job id when the answer is a job (202). */
  jobId: string | undefined;
  text: string;
}

/**
 * What a case must produce:
 * - `{ status, code }`: answered at once with this status (and, when given, this problem code);
 * - `{ job }`: accepted (202), and the job then fails with this code.
 */
export type Expected = { status: number; code?: ErrorCode | undefined } | { job: ErrorCode };

export interface CaseContext {
  p: Platform;
  /** Base URL of the API the cases talk to. */
  url: string;
  token: string;
  /** An installed plugin (its configSchema allows only { greeting: /^[a-z]{0,20}$/ }). */
  fixture: { pluginId: string; name: string };
  /** A new, unused plugin name for this case (upload cases should use it). */
  name: string;
}

export interface HostileCase {
  name: string;
  send(ctx: CaseContext): Promise<Answer>;
  expect: Expected;
  /**
   * A defect this case shows and that is reported but not fixed yet: the row runs as
   * `it.fails`, so it turns red once the defect is fixed (then drop this field).
   */
  defect?: string;
}

export async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  return answerOfText(res.status, res.headers.get("content-type") ?? "", text);
}

export function answerOfRaw(raw: RawAnswer): Answer {
  return answerOfText(raw.status, raw.headers["content-type"] ?? "", raw.body);
}

function answerOfText(status: number, contentType: string, text: string): Answer {
  let body: (Partial<Problem> & Partial<JobResource>) | null = null;
  if (/json/i.test(contentType)) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  return {
    status,
    contentType,
    code: /problem\+json/i.test(contentType) && typeof body?.code === "string" ? body.code : undefined,
    jobId: status === 202 && typeof body?.jobId === "string" ? body.jobId : undefined,
    text,
  };
}

function describeAnswer(a: Answer): string {
  return `${a.status} ${a.contentType} ${a.text.slice(0, 600)}`;
}

/**
 * Runs one case and checks everything the hostile-input suite promises:
 * 1. the answer is never a 5xx (nor a dropped connection);
 * 2. it is the expected status and problem code, or a 202 whose job fails with the expected code;
 * 3. no state changed (captureState before and after: plugins, their config, jobs that are not
 *    failed, stored objects, files in the run folder);
 * 4. no file whose name carries MARKER appeared anywhere a traversal could reach;
 * 5. no process logged an error-level line meanwhile (an unexpected exception that the
 *    answer may have hidden, e.g. in the worker).
 */
export async function runCase(ctx: Omit<CaseContext, "name">, c: HostileCase, index: number): Promise<void> {
  const { p } = ctx;
  const watched = [ctx.fixture.pluginId];
  const logs = [...p.apis, ...p.workers].map((proc) => proc.logFile);
  const errorsBefore = await Promise.all(logs.map((f) => errorLines(f).then((l) => l.length)));
  const before = await captureState(p, watched);

  const answer = await c.send({ ...ctx, name: `hostile-case-${index}` });
  const seen = describeAnswer(answer);
  expect(answer.status, `connection dropped without an answer: ${seen}`).toBeGreaterThan(0);
  expect(answer.status, `server error: ${seen}`).toBeLessThan(500);

  if ("job" in c.expect) {
    expect(answer.status, seen).toBe(202);
    expect(answer.jobId, seen).toEqual(expect.any(String));
    const job = await p.waitJob(answer.jobId!, { timeoutMs: 60_000 });
    expect(job.state, JSON.stringify(job)).toBe("failed");
    expect(job.error?.code, JSON.stringify(job.error)).toBe(c.expect.job);
  } else {
    expect(answer.status, seen).toBe(c.expect.status);
    if (c.expect.code) {
      expect(answer.contentType, seen).toMatch(/^application\/problem\+json/);
      expect(answer.code, seen).toBe(c.expect.code);
    }
  }

  expect(await captureState(p, watched)).toEqual(before);
  expect(await findMarkedFiles(p.runDir, MARKER)).toEqual([]);
  const errorsAfter = await Promise.all(logs.map((f) => errorLines(f)));
  errorsAfter.forEach((lines, i) => {
    expect(lines.slice(errorsBefore[i]), `error lines in ${logs[i]}`).toEqual([]);
  });
}

/**
 * Registers one `it` per row, grouped by table. A row with `defect` runs as `it.fails`.
 * Rows are numbered across the tables, so each case gets its own unused plugin name.
 */
export function registerTables(
  context: () => Omit<CaseContext, "name">,
  tables: [string, HostileCase[]][],
): void {
  let index = 0;
  for (const [title, cases] of tables) {
    describe(title, () => {
      for (const c of cases) {
        index += 1;
        const n = index;
        const outcome =
          "job" in c.expect ? `job fails ${c.expect.job}` : `${c.expect.status} ${c.expect.code ?? ""}`;
        const name = `${c.name} -> ${outcome.trim()}${c.defect ? " [known defect]" : ""}`;
        (c.defect ? it.fails : it)(name, () => runCase(context(), c, n));
      }
    });
  }
}
