import { isIP } from "node:net";
import type { Context } from "hono";

/**
 * The client's address: the peer of the TCP connection when the app runs under
 * @hono/node-server (which passes `{ incoming }` as the env). X-Forwarded-For is read only
 * with `trustProxy` (server.trust_proxy), and then only its last entry: the one the proxy in
 * front appended; anything before it is whatever the client chose to send.
 */
export function clientAddress(c: Context, options: { trustProxy?: boolean } = {}): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const peer = env?.incoming?.socket?.remoteAddress ?? null;
  if (!options.trustProxy) return peer;
  const forwarded = c.req.header("x-forwarded-for");
  const last = forwarded?.split(",").at(-1)?.trim();
  return last && isIP(last) ? last : peer;
}
