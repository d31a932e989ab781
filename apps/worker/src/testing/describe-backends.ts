import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe } from "vitest";
import { BACKENDS } from "./backends.js";
import { Pipeline, type PipelineOptions, skipReason } from "./pipeline.js";

/**
 * Runs the same suite against every backend (SQLite + filesystem, MariaDB +
 * s3rver), each with a pipeline of its own, started once for the suite.
 */
export function describeOnBackends(
  title: string,
  options: PipelineOptions,
  body: (pipeline: () => Pipeline) => void,
): void {
  for (const backend of BACKENDS) {
    const skip = skipReason(backend);
    describe.skipIf(skip !== undefined)(`${title} [${backend.name}]`, () => {
      let pipeline: Pipeline | undefined;
      beforeAll(async () => {
        pipeline = await Pipeline.start(backend, options);
      });
      afterAll(async () => {
        await pipeline?.close();
      });
      body(() => {
        if (!pipeline) throw new Error("pipeline did not start");
        return pipeline;
      });
    });
  }
}

/** A plugin name no other test uses. */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(3).toString("hex")}`;
}
