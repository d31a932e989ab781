import { createRequire } from "node:module";
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { REDACT_PATHS, REDACTED, redactSecrets } from "./redact.js";
import { redactValues } from "./redact-values.js";

export type { Logger } from "pino";

export interface CreateLoggerOptions {
  /** Service name, e.g. "api", "worker"; every line carries it as `service`. */
  name: string;
  /** pino level; default "info". */
  level?: string;
  /** Human-readable output through pino-pretty. Default: `ARCADE_LOG_PRETTY=1`. */
  pretty?: boolean;
  /** Every line carries it as `node`. */
  nodeId?: string;
  /** Where lines go; default stdout. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

/** pino-pretty is a dev dependency: in a production install it is absent and logs stay JSON. */
function loadPretty(): PrettyFactory | undefined {
  try {
    return createRequire(import.meta.url)("pino-pretty") as PrettyFactory;
  } catch {
    return undefined;
  }
}

/**
 * The platform's logger: JSON lines with `service`, `node`, an ISO `time` and a level label;
 * secrets removed (by key name and by value pattern, see redact.ts). Pretty output is for a terminal only.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const wantsPretty = options.pretty ?? process.env.ARCADE_LOG_PRETTY === "1";
  const pretty = wantsPretty ? loadPretty() : undefined;

  const config: LoggerOptions = {
    level: options.level ?? "info",
    base: { service: options.name, ...(options.nodeId !== undefined ? { node: options.nodeId } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    // redactSecrets has already turned errors into plain objects (to censor their fields);
    // pino's own serializer would take such an object for an error of type "Object".
    serializers: { err: (value: unknown) => value },
    // The last layer, on the finished line: message, stack, bindings, everything (redact-values.ts).
    hooks: { streamWrite: redactValues },
    formatters: {
      // pino-pretty reads numeric levels; log shippers and people grepping JSON prefer labels.
      ...(pretty ? {} : { level: (label: string) => ({ level: label }) }),
      log: (object) => redactSecrets(object),
    },
  };

  if (pretty) {
    // synchronous, in this thread: a transport worker would lose the last lines of a crash.
    const stream = pretty({
      sync: true,
      translateTime: "SYS:HH:MM:ss.l",
      ...(options.destination ? { destination: options.destination } : {}),
    });
    return pino(config, stream);
  }
  return options.destination ? pino(config, options.destination) : pino(config);
}
