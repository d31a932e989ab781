import { randomUUID } from "node:crypto";
import type { JobType } from "@arcade/contracts";
import {
  AppError,
  type Clock,
  type JobQueue,
  type JobRecord,
  type JobRepo,
  type SubmitRequest,
  submitJob,
} from "@arcade/core";
import type { JobEventFeed } from "../deps.js";

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
/** How often `?wait` reads the job anyway while it listens for the end (a lost event's cost). */
const SAFETY_READ_MS = 5000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function newJobId(): string {
  return randomUUID();
}

/** What a request asks for, to tell a true retry from a key reused for something else. */
export interface JobTarget {
  type: JobType;
  /** null for install (the plugin id does not exist yet). */
  pluginId: string | null;
}

/**
 * Turns a request into a durable operation row and a queued job. The row is
 * written first (its unique lock key is what makes a second mutation of the
 * same plugin a 409), then the job is enqueued under the same id.
 */
export class JobSubmitter {
  constructor(
    private readonly jobs: JobRepo,
    private readonly queue: JobQueue,
    private readonly clock: Clock,
    /** The live job events; without them wait() reads the database every half second. */
    private readonly events: JobEventFeed | null = null,
  ) {}

  /** `requestedBy:key`, so two callers cannot collide on a key; 400 on a malformed key. */
  scopeIdempotencyKey(requestedBy: string, header: string | undefined): string | null {
    if (header === undefined) return null;
    if (!IDEMPOTENCY_KEY.test(header)) {
      throw new AppError("VALIDATION_FAILED", "Idempotency-Key must be 1-200 printable ASCII characters", {
        errors: [{ path: "/headers/idempotency-key", message: "must be 1-200 printable ASCII characters" }],
      });
    }
    return `${requestedBy}:${header}`;
  }

  /**
   * The job an earlier request with this key created, within the 24 h window.
   * A key that was used for another operation or another plugin is
   * IDEMPOTENCY_KEY_REUSED: answering with that other job would tell the
   * caller its request was accepted when it was not.
   */
  async replay(scopedKey: string | null, target: JobTarget): Promise<JobRecord | null> {
    if (!scopedKey) return null;
    const found = await this.jobs.findByIdempotencyKey(scopedKey);
    if (!found) return null;
    if (this.clock.now().getTime() - found.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) return null;
    assertSameTarget(found, target);
    return found;
  }

  /** 409 OPERATION_IN_PROGRESS before any work, when the plugin is busy. */
  async assertIdle(pluginId: string): Promise<void> {
    const busy = await this.jobs.findUnfinished(pluginId);
    if (busy) throw inProgress(pluginId, busy.jobId);
  }

  async submit<T extends JobType>(request: SubmitRequest<T>): Promise<JobRecord> {
    const { created, operation } = await submitJob(
      { jobs: this.jobs, queue: this.queue, clock: this.clock },
      request,
    );
    // A concurrent request with the same key won the insert: same rule as replay().
    if (!created) assertSameTarget(operation, { type: request.type, pluginId: request.pluginId });
    return operation;
  }

  /**
   * The job once it has finished, or as it is after `seconds`. Listens for the job's `end` event
   * and then reads the row: the answer comes the moment the job ends, with no polling. Because
   * publishing events is best effort, the row is also read every SAFETY_READ_MS meanwhile (so a
   * lost `end` costs seconds, not the whole wait). Without live events (or over their limit), it
   * reads the row at growing intervals instead.
   */
  async wait(jobId: string, seconds: number): Promise<JobRecord | null> {
    const deadline = Date.now() + seconds * 1000;
    let ended!: () => void;
    const end = new Promise<void>((resolve) => {
      ended = resolve;
    });
    let follow: { close(): void } | null = null;
    try {
      // From the start of the stream: an `end` appended before this call counts too.
      follow = this.events?.follow(jobId, "0-0", ({ event }) => event.type === "end" && ended()) ?? null;
    } catch {
      follow = null; // over the limit of live followers: poll this one
    }
    if (!follow) return this.poll(jobId, deadline);
    try {
      let job = await this.jobs.get(jobId);
      let heard = false;
      void end.then(() => {
        heard = true;
      });
      while (job && !isFinished(job) && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          end,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, Math.min(SAFETY_READ_MS, deadline - Date.now()));
          }),
        ]);
        clearTimeout(timer);
        job = await this.jobs.get(jobId);
        // The end was heard: this read is the answer, finished or not.
        if (heard) break;
      }
      return job;
    } finally {
      follow.close();
    }
  }

  private async poll(jobId: string, deadline: number): Promise<JobRecord | null> {
    let delay = 50;
    for (;;) {
      const op = await this.jobs.get(jobId);
      if (!op || isFinished(op) || Date.now() >= deadline) return op;
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
      delay = Math.min(delay * 2, 500);
    }
  }
}

function isFinished(job: JobRecord): boolean {
  return job.state === "succeeded" || job.state === "failed";
}

function assertSameTarget(found: JobRecord, target: JobTarget): void {
  if (found.type === target.type && found.pluginId === target.pluginId) return;
  throw new AppError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for another request", {
    detail: `It belongs to job ${found.jobId} (${found.type}${found.pluginId ? ` of ${found.pluginId}` : ""}); use a new key.`,
    extras: { jobId: found.jobId },
  });
}

export function inProgress(pluginId: string, jobId: string): AppError {
  return new AppError("OPERATION_IN_PROGRESS", `plugin ${pluginId} has an unfinished operation`, {
    detail: `Wait for job ${jobId} to finish (GET /api/v1/jobs/${jobId}), then try again.`,
    extras: { inFlightJobId: jobId },
  });
}
