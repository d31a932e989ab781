import type { JobState, JobType, PluginType } from "@arcade/contracts";

/**
 * Option choices, kept here as literals so the CLI loads no schema code; the
 * `Exact` checks fail the typecheck if the contracts gain or lose a value.
 */
type Exact<List extends readonly string[], Union extends string> = [Union] extends [List[number]]
  ? List
  : never;

export const PLUGIN_TYPE_VALUES = [
  "notify",
  "ci",
  "cd",
  "security",
  "storage",
  "approval",
  "custom",
] as const;
export const JOB_STATE_VALUES = ["queued", "running", "succeeded", "failed"] as const;
export const JOB_TYPE_VALUES = [
  "install",
  "update",
  "uninstall",
  "enable",
  "disable",
  "configure",
  "rollback",
] as const;

const _pluginTypes: Exact<typeof PLUGIN_TYPE_VALUES, PluginType> = PLUGIN_TYPE_VALUES;
const _jobStates: Exact<typeof JOB_STATE_VALUES, JobState> = JOB_STATE_VALUES;
const _jobTypes: Exact<typeof JOB_TYPE_VALUES, JobType> = JOB_TYPE_VALUES;
void [_pluginTypes, _jobStates, _jobTypes];
