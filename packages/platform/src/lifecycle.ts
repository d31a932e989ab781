import { type ArcadeConfig, ConfigError, loadConfig } from "@arcade/config";
import type { Logger } from "@arcade/core";

/** Loads the config or ends the process with the message that names the bad key. */
export function loadConfigOrExit(): ArcadeConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`arcade: invalid configuration\n${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * Runs `stop` once on SIGTERM/SIGINT, bounded by `timeoutMs`; a second signal
 * or the timeout ends the process at once.
 */
export function onShutdown(logger: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, timeoutMs }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown did not finish in time; exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}
