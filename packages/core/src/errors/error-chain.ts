/** The members of a thrown value that the platform's error classifiers look at. */
export interface ErrorLike {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  name?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/**
 * The error, what it wraps (TypeORM's driverError, `cause`, AggregateError members), outermost
 * first; at most ten, each once (a cause cycle ends the walk).
 */
export function* errorChain(error: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 10) {
    const current = queue.shift();
    if (current === null || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    const like = current as ErrorLike;
    yield like;
    queue.push(like.driverError, like.cause);
    if (current instanceof AggregateError) queue.push(...current.errors);
  }
}
