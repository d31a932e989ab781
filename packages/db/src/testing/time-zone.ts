/**
 * Runs `work` with this process's local time zone set to `zone`, so a test can tell UTC storage
 * from local-time storage even on a machine that runs in UTC. Node re-reads TZ when it changes.
 */
export async function withTimeZone<T>(zone: string, work: () => Promise<T>): Promise<T> {
  const previous = process.env.TZ;
  process.env.TZ = zone;
  try {
    return await work();
  } finally {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  }
}
