import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP } from "node:net";
import { formatHostPort, hostAllowed } from "@arcade/core";
import type { FetchRequestMessage, FetchResultMessage } from "./protocol.js";

export interface FetchPolicy {
  /** manifest permissions.network.hosts, normalised. */
  hosts: readonly string[];
  /** Largest request or response body, bytes. */
  maxBodyBytes: number;
  /** Bound on one request, redirects included. */
  timeoutMs: number;
  maxRedirects: number;
}

export const DEFAULT_FETCH_POLICY: Omit<FetchPolicy, "hosts"> = {
  maxBodyBytes: 16 * 1024 * 1024,
  timeoutMs: 60_000,
  maxRedirects: 5,
};

/** Addresses a DNS name must not lead to unless the manifest names them literally. */
const INTERNAL = new BlockList();
INTERNAL.addSubnet("127.0.0.0", 8, "ipv4");
INTERNAL.addSubnet("169.254.0.0", 16, "ipv4"); // link-local, cloud metadata endpoints
INTERNAL.addSubnet("0.0.0.0", 8, "ipv4");
INTERNAL.addAddress("::1", "ipv6");
INTERNAL.addAddress("::", "ipv6");
INTERNAL.addSubnet("fe80::", 10, "ipv6");
INTERNAL.addSubnet("::ffff:127.0.0.0", 104, "ipv6");

const DROPPED_REQUEST_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  // Bodies travel as they are: no decompression on either side.
  "accept-encoding",
]);

class Refused extends Error {
  constructor(
    readonly denied: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Makes the HTTP requests a plugin process asks for (it has no network of its own):
 * only http(s) to a `host:port` its manifest declares, every redirect checked the same
 * way, a DNS name never leading to loopback or link-local addresses unless declared as an
 * address, bodies capped both ways, and every request bounded in time.
 * `onDenied` hears every refusal (the sandbox counts and logs them).
 */
export class FetchProxy {
  private readonly inFlight = new Map<number, AbortController>();

  constructor(
    private readonly policy: FetchPolicy,
    private readonly onDenied: (what: string) => void,
  ) {}

  /** Aborts a request the plugin gave up on. */
  abort(id: number): void {
    this.inFlight.get(id)?.abort(new Error("aborted by the plugin"));
  }

  /** Aborts everything (the process is gone). */
  abortAll(): void {
    for (const controller of this.inFlight.values()) controller.abort(new Error("the plugin stopped"));
    this.inFlight.clear();
  }

  async handle(message: FetchRequestMessage): Promise<FetchResultMessage> {
    const controller = new AbortController();
    this.inFlight.set(message.id, controller);
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.policy.timeoutMs)]);
    try {
      return { type: "fetch-result", id: message.id, ...(await this.follow(message, signal)) };
    } catch (error) {
      if (error instanceof Refused) {
        this.onDenied(error.denied);
        return {
          type: "fetch-result",
          id: message.id,
          ok: false,
          error: error.message,
          denied: error.denied,
        };
      }
      const why =
        signal.aborted && !controller.signal.aborted
          ? `no answer within ${this.policy.timeoutMs}ms`
          : messageOf(error);
      return { type: "fetch-result", id: message.id, ok: false, error: why };
    } finally {
      this.inFlight.delete(message.id);
    }
  }

  private async follow(message: FetchRequestMessage, signal: AbortSignal) {
    let url = parseUrl(message.url);
    let method = message.method.toUpperCase();
    let body = message.body;
    if (body && body.byteLength > this.policy.maxBodyBytes) {
      throw new Error(`the request body is larger than ${this.policy.maxBodyBytes} bytes`);
    }
    const headers = message.headers.filter(([name]) => !DROPPED_REQUEST_HEADERS.has(name.toLowerCase()));
    for (let hop = 0; ; hop += 1) {
      const answer = await this.once(url, method, headers, body, signal);
      const location = answer.headers.find(([name]) => name.toLowerCase() === "location")?.[1];
      if (!isRedirect(answer.status) || location === undefined || message.redirect === "manual") {
        return { ok: true as const, ...answer, url: url.href, redirected: hop > 0 };
      }
      if (message.redirect === "error") throw new Error(`redirected to ${location} (redirect: "error")`);
      if (hop >= this.policy.maxRedirects) throw new Error(`more than ${this.policy.maxRedirects} redirects`);
      url = parseUrl(new URL(location, url).href);
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without a body.
      if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = null;
      }
    }
  }

  private once(
    url: URL,
    method: string,
    headers: [string, string][],
    body: Uint8Array | null,
    signal: AbortSignal,
  ): Promise<{ status: number; statusText: string; headers: [string, string][]; body: Uint8Array }> {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    const target = formatHostPort(host.toLowerCase(), port);
    if (!hostAllowed(this.policy.hosts, host, port)) {
      throw new Refused(`net ${target}`, `${target} is not in the manifest's permissions.network.hosts`);
    }
    const literal = isIP(host) !== 0 || host.toLowerCase() === "localhost";
    const options: RequestOptions = {
      method,
      host,
      port,
      path: `${url.pathname}${url.search}`,
      // Raw headers as the plugin gave them (repeated names kept); Node adds no Host to those.
      headers: [
        "host",
        url.host,
        ...headers.flat(),
        ...(body ? ["content-length", String(body.byteLength)] : []),
      ],
      signal,
      ...(literal ? {} : { lookup: guardedLookup(target) }),
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(options, (res) => {
        readCapped(res, this.policy.maxBodyBytes).then(
          (data) =>
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? "",
              headers: pairs(res.rawHeaders),
              body: data,
            }),
          reject,
        );
      });
      req.on("error", (error) => reject(error instanceof Refused ? error : unwrapRefused(error)));
      req.end(body ?? undefined);
    });
  }
}

/** A DNS lookup that refuses loopback, link-local and unspecified answers for a declared name. */
function guardedLookup(target: string) {
  return (
    hostname: string,
    options: object,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      const list = addresses as LookupAddress[];
      const internal = list.find((a) => INTERNAL.check(a.address, a.family === 6 ? "ipv6" : "ipv4"));
      if (internal) {
        return callback(
          new Refused(
            `net ${target}`,
            `${target} resolves to ${internal.address}, an internal address; declare the address itself to reach it`,
          ),
          "",
        );
      }
      const all = (options as { all?: boolean }).all === true;
      if (all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), "");
      callback(null, first.address, first.family);
    });
  };
}

function unwrapRefused(error: Error): Error {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Refused ? cause : error;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a URL: ${text.slice(0, 200)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Refused(`net ${url.protocol}`, `only http and https can be fetched, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new Error("URLs with credentials are not fetched; send a header");
  return url;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string]);
  return out;
}

function readCapped(res: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        res.destroy(new Error(`the response body is larger than ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("the response was cut off")));
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
