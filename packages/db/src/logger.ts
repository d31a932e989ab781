import type { Logger } from "@arcade/core";
import type { Logger as TypeOrmLogger } from "typeorm";

/** The slice of core's (pino-shaped) Logger the database layer writes to. */
export type DbLogger = Pick<Logger, "debug" | "info" | "warn">;

/**
 * TypeORM's logger hooks routed to a DbLogger. Query errors go to debug only: the repo layer
 * turns them into AppErrors and whoever handles those decides how loud to be.
 */
export function typeOrmLogger(logger: DbLogger): TypeOrmLogger {
  return {
    logQuery() {},
    logQueryError(error, query) {
      logger.debug({ err: error, query }, "database query failed");
    },
    logQuerySlow(time, query) {
      logger.warn({ durationMs: time, query }, "slow database query");
    },
    logSchemaBuild(message) {
      logger.debug({ component: "db" }, message);
    },
    logMigration(message) {
      logger.info({ component: "db" }, message);
    },
    log(level, message) {
      if (level === "warn") logger.warn({ component: "db" }, String(message));
      else logger.debug({ component: "db" }, String(message));
    },
  };
}
