import { ROLLOUT_STRATEGIES } from "@arcade/contracts";
import type { Command } from "commander";
import { UsageError } from "../errors.js";

/** `--rollout <strategy|json>` of install and update. */
export function withRolloutOption(command: Command): Command {
  return command.option(
    "--rollout <strategy|json>",
    `how the version reaches the nodes: ${ROLLOUT_STRATEGIES.join(", ")}, or the JSON of a rollout, e.g. '{"strategy":"canary","steps":[{"nodes":1,"hold":"60s"},{"percent":100}]}'`,
  );
}

/**
 * The `rollout` form field for `--rollout`: a bare strategy name becomes `{"strategy": name}`,
 * anything else must be JSON (the server checks the rest and answers 400 with /rollout pointers).
 */
export function rolloutFields(value: string | undefined): Record<string, string> {
  if (value === undefined) return {};
  const text = value.trim();
  if ((ROLLOUT_STRATEGIES as readonly string[]).includes(text)) {
    return { rollout: JSON.stringify({ strategy: text }) };
  }
  try {
    JSON.parse(text);
  } catch {
    throw new UsageError(
      `--rollout takes a strategy (${ROLLOUT_STRATEGIES.join(", ")}) or JSON, not ${JSON.stringify(text.slice(0, 60))}`,
      `e.g. --rollout '{"strategy":"canary","steps":[{"nodes":1,"hold":"60s"},{"percent":100}]}'`,
    );
  }
  return { rollout: text };
}
