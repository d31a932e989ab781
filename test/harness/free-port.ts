import { createServer } from "node:net";

/**
 * A loopback port the kernel says is free right now. Another process may take it before the
 * server binds it; callers that spawn a server on it retry with a new port when the bind fails.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port from listen(0)"))));
    });
  });
}
