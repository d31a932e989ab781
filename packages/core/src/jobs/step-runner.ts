import type { JobEvent, JobStep, StepName } from "@arcade/contracts";
import type { Clock } from "../ports/event-bus.js";
import type { JobRepo } from "../ports/plugin-repo.js";

/**
 * Runs the named steps of one job attempt and records each on the job's
 * row (state, times, progress), so a client polling the job sees where it is.
 * Steps must be idempotent: a retried attempt runs them all again from the top.
 */
export class StepRunner {
  private readonly steps: JobStep[];

  constructor(
    private readonly jobId: string,
    names: readonly StepName[],
    private readonly jobs: JobRepo,
    private readonly clock: Clock,
    /** Where each change is pushed as a live job event (after the row has it). */
    private readonly emit: (event: JobEvent) => Promise<void> = async () => {},
  ) {
    this.steps = names.map((name) => ({ name, state: "pending" }));
  }

  async begin(attempts: number): Promise<void> {
    await this.jobs.update(this.jobId, {
      state: "running",
      attempts,
      steps: this.steps,
      // No step has started yet: the first one sets it.
      step: null,
      progress: 0,
      error: null,
      updatedAt: this.clock.now(),
    });
    await this.emit({ type: "state", state: "running", attempts });
  }

  async run<T>(name: StepName, work: () => Promise<T>): Promise<T> {
    const step = this.steps.find((s) => s.name === name);
    if (!step) throw new Error(`step ${name} is not part of this job`);
    step.state = "running";
    step.startedAt = this.clock.now().toISOString();
    delete step.finishedAt;
    await this.record(name);
    try {
      const value = await work();
      step.state = "succeeded";
      return value;
    } catch (error) {
      step.state = "failed";
      throw error;
    } finally {
      step.finishedAt = this.clock.now().toISOString();
      await this.record(name).catch(() => {});
    }
  }

  /** Marks a step as not needed in this attempt (e.g. work already done by an earlier attempt). */
  async skip(name: StepName): Promise<void> {
    const step = this.steps.find((s) => s.name === name);
    if (!step) return;
    step.state = "skipped";
    step.finishedAt = this.clock.now().toISOString();
    await this.record(name);
  }

  snapshot(): JobStep[] {
    return this.steps.map((s) => ({ ...s }));
  }

  private progress(): number {
    const done = this.steps.filter((s) => s.state === "succeeded" || s.state === "skipped").length;
    return this.steps.length === 0 ? 100 : Math.round((100 * done) / this.steps.length);
  }

  private async record(current: StepName): Promise<void> {
    const progress = this.progress();
    await this.jobs.update(this.jobId, {
      step: current,
      steps: this.snapshot(),
      progress,
      updatedAt: this.clock.now(),
    });
    const step = this.steps.find((s) => s.name === current);
    if (step) await this.emit({ type: "step", step: { ...step }, progress });
  }
}
