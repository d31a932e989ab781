import type { Logger } from "pino";

/** Every line logged while serving one request carries its `requestId` (also in the problem body). */
export function requestLogger(logger: Logger, requestId: string): Logger {
  return logger.child({ requestId });
}

/** Every line of one job carries `jobId` (and `pluginId` when the job is about a plugin). */
export function jobLogger(logger: Logger, jobId: string, pluginId?: string): Logger {
  return logger.child(pluginId === undefined ? { jobId } : { jobId, pluginId });
}
