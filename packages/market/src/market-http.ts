import { AppError } from "@arcade/core";
import { TransientFault } from "./retry.js";

export interface HttpOptions {
  /** Sent only to the market's own origin (never to a CDN a downloadUrl points at). */
  token?: string;
  tokenOrigin: string;
  /** Bound on connecting plus the answer's headers, and on any silence while the body streams. */
  timeoutMs: number;
}

/**
 * A watchdog over one request: aborts it when nothing happened for `timeoutMs`.
 * `touch()` re-arms it, so a slow but steady download is never cut off.
 */
export class Watchdog {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {
    this.touch();
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.controller.abort(new TransientFault(`no answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** What went wrong with the connection, in a word an operator recognises (ECONNREFUSED, ...). */
export function describeFault(error: unknown): string {
  if (error instanceof TransientFault) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause instanceof TransientFault) return cause.message;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends a GET. Connection faults and timeouts become TransientFault; so do
 * 408/425/429/5xx answers. 404 is returned for the caller to name what is
 * missing; any other non-2xx is an AppError MARKET_UNAVAILABLE.
 */
export async function marketGet(
  url: URL,
  http: HttpOptions,
  watchdog: Watchdog,
  accept: string,
): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (http.token && url.origin === http.tokenOrigin) headers.authorization = `Bearer ${http.token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: watchdog.controller.signal, redirect: "follow" });
  } catch (error) {
    throw new TransientFault(`GET ${url.pathname} failed: ${describeFault(error)}`, { cause: error });
  }
  if (response.ok || response.status === 404) return response;
  await response.body?.cancel().catch(() => {});
  const status = response.status;
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    throw new TransientFault(`GET ${url.pathname} answered ${status}`);
  }
  throw new AppError("MARKET_UNAVAILABLE", `the market refused GET ${url.pathname} with ${status}`, {
    detail:
      status === 401 || status === 403
        ? "Check market.token: the market did not accept it."
        : "The market does not speak the API this platform expects (see apps/market/README.md).",
  });
}

/** Reads a JSON body under the watchdog; a body cut off midway is transient. */
export async function readJson(response: Response, watchdog: Watchdog, url: URL): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new TransientFault(`reading GET ${url.pathname} failed: ${describeFault(error)}`, { cause: error });
  }
  watchdog.touch();
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(
      "MARKET_UNAVAILABLE",
      `the market answered GET ${url.pathname} with something other than JSON`,
      {
        detail: "Check that plugin.market_api points at a market API (see apps/market/README.md).",
      },
    );
  }
}
