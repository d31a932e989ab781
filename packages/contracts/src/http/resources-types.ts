import type { Static } from "@sinclair/typebox";
import type { ConvergenceNodes, JobResource } from "../job.js";
import type { NodePluginState, PluginResource, PluginVersionResource } from "../plugin.js";
import type {
  ConvergenceNodesSchema,
  JobSchema,
  NodePluginStateSchema,
  PluginSchema,
  PluginVersionSchema,
} from "./resources.js";

/**
 * Compile-time checks that the resource schemas and the interfaces the server builds its
 * answers from agree both ways: a field added to one and not the other fails the build.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checks: [
  Same<Static<typeof PluginSchema>, PluginResource>,
  Same<Static<typeof PluginVersionSchema>, PluginVersionResource>,
  Same<Static<typeof JobSchema>, JobResource>,
  Same<Static<typeof NodePluginStateSchema>, NodePluginState>,
  Same<Static<typeof ConvergenceNodesSchema>, ConvergenceNodes>,
] = [true, true, true, true, true];
void checks;
