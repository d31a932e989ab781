import { createInterface } from "node:readline";
import type { ChangePlan, JobResource } from "@arcade/contracts";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { EXIT } from "../errors.js";
import { formatPlan } from "../output/plan-format.js";
import { completeMutation } from "./complete-mutation.js";

/** The flags every mutation command takes. */
export interface PlanFlags {
  /** Send without asking (and without asking for the plan first). */
  yes?: boolean;
  /** Print the plan and send nothing. */
  dryRun?: boolean;
}

/** Adds --yes and --dry-run to a mutation command. */
export function withPlanOptions(command: Command): Command {
  return command
    .option("-y, --yes", "do not show the plan and ask first (a terminal session asks by default)")
    .option("--dry-run", "print what the change would do (the platform's plan) and change nothing");
}

/** How a mutation asks for its plan and how it sends the real request. */
export interface Mutation {
  /** The same request with `?dryRun=true`: answers the plan. */
  plan(): Promise<ChangePlan>;
  send(): Promise<JobResource>;
  /** Why no plan can be shown (a market artifact: the worker fetches it); then nothing is asked. */
  noPlan?: string;
}

/**
 * A mutation with its plan first (docs/rollouts.md, "Plans"):
 * - `--dry-run`: print the plan (with --json, the plan document) and exit: 0 when the job would
 *   go ahead, 1 when it would fail (`blocked`), so a script can check a change first;
 * - in a terminal (stdin and stdout are TTYs, no --json) without --yes: print the plan, ask, and
 *   send only on "y"; an unanswered question sends nothing (exit 1);
 * - otherwise (--yes, or no terminal: scripts, CI, pipes): send at once, as before plans existed.
 *   A script that never passed --yes keeps working and sees no prompt and no extra request.
 */
export async function runMutation(ctx: CliContext, flags: PlanFlags, mutation: Mutation): Promise<number> {
  if (flags.dryRun) {
    const plan = await mutation.plan();
    if (ctx.out.json) ctx.out.data(plan);
    else for (const line of formatPlan(plan)) ctx.out.line(line);
    return plan.blocked.length === 0 ? EXIT.ok : EXIT.failed;
  }
  if (!flags.yes && ctx.interactive === true) {
    if (mutation.noPlan) {
      ctx.out.line(`no plan: ${mutation.noPlan}`);
    } else {
      const plan = await mutation.plan();
      for (const line of formatPlan(plan)) ctx.out.line(line);
    }
    const question =
      mutation.noPlan === undefined ? "Send this change? [y/N] " : "Send it without a plan? [y/N] ";
    if (!(await confirm(ctx, question))) {
      ctx.out.line("not sent: nothing changed");
      return EXIT.failed;
    }
  }
  return completeMutation(ctx, await mutation.send());
}

/** Asks on stdout and reads one line of stdin: only "y" or "yes" (any case) is a yes. */
async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  ctx.out.stdout.write(question);
  const lines = createInterface({ input: ctx.stdin, terminal: false });
  try {
    const answer = await new Promise<string | null>((resolve) => {
      lines.once("line", (line) => resolve(line));
      lines.once("close", () => resolve(null));
    });
    if (answer === null) ctx.out.stdout.write("\n");
    return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    lines.close();
  }
}

/** The answer of a mutation sent with `?dryRun=true`, which the route's contract types as its plan. */
export function asPlan(body: unknown): ChangePlan {
  return body as ChangePlan;
}
