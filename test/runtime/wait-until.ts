/**
 * Polls `probe` until it returns something other than undefined, at most `timeoutMs`;
 * then fails with `what` and the last thing seen, so a failure explains itself.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> | string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 150;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const seen = options.describe ? await options.describe() : "";
      const why = lastError ? `; last error: ${(lastError as Error).message ?? String(lastError)}` : "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting until ${what}${why}${seen ? `; last seen: ${seen}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
