import { connect } from "node:net";

/** What came back over a raw socket. status 0: the server closed without answering. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequestOptions {
  /** Written after the head, in pieces of this size (a slow or huge body). */
  body?: Buffer;
  timeoutMs?: number;
}

/**
 * Sends bytes that fetch refuses to send (CR/LF or NUL in header values, 100 kB headers,
 * conflicting framing headers, bad methods) and reads the answer until the server closes the
 * connection. The head must end with an empty line; a `Connection: close` in it makes the
 * server close after answering. Errors while writing are ignored: a server may answer and
 * close before it has read everything (413, 431), and that answer is what counts.
 */
export function rawRequest(
  baseUrl: string,
  head: string | Buffer,
  options: RawRequestOptions = {},
): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no complete answer within ${timeoutMs} ms; got: ${Buffer.concat(chunks).toString("latin1").slice(0, 300)}`,
        ),
      );
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {
      // ECONNRESET/EPIPE after an early answer: whatever arrived is parsed on close.
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks)));
    });
    socket.on("connect", () => {
      socket.write(typeof head === "string" ? Buffer.from(head, "latin1") : head);
      if (options.body) socket.write(options.body);
      // Half-close: the request is complete; the server answers and closes its side.
      socket.end();
    });
  });
}

function parseAnswer(whole: Buffer): RawAnswer {
  let raw = whole;
  // Interim answers (100 Continue) come first; the final answer follows.
  while (/^HTTP\/1\.\d 1\d\d /.test(raw.toString("latin1", 0, 16))) {
    const end = raw.indexOf("\r\n\r\n");
    if (end < 0) break;
    raw = raw.subarray(end + 4);
  }
  const text = raw.toString("latin1");
  const headEnd = text.indexOf("\r\n\r\n");
  if (!text.startsWith("HTTP/1.") || headEnd < 0) return { status: 0, headers: {}, body: text };
  const [statusLine = "", ...lines] = text.slice(0, headEnd).split("\r\n");
  const status = Number(statusLine.split(" ")[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), "latin1"));
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) body = dechunk(body);
  return { status, headers, body: body.toString("utf8") };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** A request head: request line, Host, Connection: close, the given header lines, empty line. */
export function headOf(method: string, path: string, headers: readonly string[]): string {
  return [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...headers, "", ""].join(
    "\r\n",
  );
}
