import type { JobResource } from "@arcade/contracts";

/** How long each step of a job took (ms), from the job's own timestamps. */
export function stepDurations(job: JobResource): Record<string, number> {
  const out: Record<string, number> = {};
  for (const step of job.steps ?? []) {
    if (step.startedAt && step.finishedAt) {
      out[step.name] = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
    }
  }
  return out;
}

/** p50 of each step over many jobs. */
export function stepP50s(jobs: JobResource[]): Record<string, number> {
  const per = new Map<string, number[]>();
  for (const job of jobs) {
    for (const [name, ms] of Object.entries(stepDurations(job))) {
      const list = per.get(name) ?? [];
      list.push(ms);
      per.set(name, list);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, list] of per) {
    list.sort((a, b) => a - b);
    out[name] = list[Math.floor((list.length - 1) / 2)]!;
  }
  return out;
}
