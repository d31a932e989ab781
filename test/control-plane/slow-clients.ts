import { connect, type Socket } from "node:net";

/** How a dripping connection ended: what the server answered (if anything) and after how long. */
export interface Cut {
  /** The status line's code, or 0 when the server closed without answering. */
  status: number;
  /** The whole answer as text (head and body). */
  answer: string;
  /** Milliseconds from connecting to the server closing the connection. */
  afterMs: number;
}

/**
 * Opens a connection, writes `head`, then one `drip` every `everyMs` until the server closes
 * the connection (or `giveUpMs` passes: then the promise rejects, the server held it too long).
 * The client never finishes its request on its own: any end is the server's doing.
 */
export function drip(
  baseUrl: string,
  head: string,
  drip: string,
  options: { everyMs: number; giveUpMs: number },
): Promise<Cut> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket: Socket = connect(Number(url.port), url.hostname);
    let ticker: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(ticker);
      socket.destroy();
      reject(new Error(`the server still held the dripping connection after ${options.giveUpMs} ms`));
    }, options.giveUpMs);
    socket.on("connect", () => {
      if (head) socket.write(head);
      ticker = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write(drip);
      }, options.everyMs);
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(ticker);
      clearTimeout(giveUp);
      const answer = Buffer.concat(chunks).toString("latin1");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      resolve({ status, answer, afterMs: Date.now() - started });
    });
  });
}
