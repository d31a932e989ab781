import type { Context } from "hono";

/**
 * The peer address of the TCP connection, when the app runs under
 * @hono/node-server (which passes `{ incoming }` as the env). Headers such as
 * X-Forwarded-For are deliberately ignored: any caller can set them.
 */
export function clientAddress(c: Context): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? null;
}
