import { connect, createServer, type Server, type Socket } from "node:net";

interface Link {
  client: Socket;
  upstream: Socket;
  /** The first bytes the client sent (its CLIENT SETNAME shows up here). */
  hello: string;
  /** Upstream gone, client side kept open and silent. */
  cut: boolean;
}

const HELLO_BYTES = 4096;

/**
 * A TCP relay in front of Redis that can make one kind of connection go silent: the link to
 * Redis is closed (so Redis drops the subscription and every message published later is lost
 * for it) while the client keeps its socket open and hears nothing. That is a node missing
 * events without noticing: no close, no reconnect, no onReconnect. Only 127.0.0.1 traffic.
 */
export class SilentRedisProxy {
  private readonly links = new Set<Link>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts a relay to `redisUrl` (redis://host:port) on a free loopback port. */
  static async start(redisUrl: string): Promise<SilentRedisProxy> {
    const target = new URL(redisUrl);
    const host = target.hostname;
    const port = Number(target.port || 6379);
    let proxy: SilentRedisProxy | null = null;
    const server = createServer((client) => proxy?.accept(client, host, port));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address");
    const url = new URL(redisUrl);
    url.hostname = "127.0.0.1";
    url.port = String(address.port);
    proxy = new SilentRedisProxy(server, url.toString());
    return proxy;
  }

  /**
   * Silences every open connection whose client named itself with something matching
   * `namePattern` (ioredis sends CLIENT SETNAME first). Returns how many it silenced.
   */
  silence(namePattern: RegExp): number {
    let count = 0;
    for (const link of this.links) {
      if (link.cut || !namePattern.test(link.hello)) continue;
      link.cut = true;
      link.upstream.destroy();
      count += 1;
    }
    return count;
  }

  /** Closes the client side of the silenced connections: now the clients notice and reconnect. */
  hangUpSilenced(): number {
    let count = 0;
    for (const link of [...this.links]) {
      if (!link.cut) continue;
      link.client.destroy();
      this.links.delete(link);
      count += 1;
    }
    return count;
  }

  /** Connections currently open through the relay, with whether they are silenced. */
  connections(): { hello: string; cut: boolean }[] {
    return [...this.links].map((l) => ({
      hello: l.hello.replace(/[^\x20-\x7e]+/g, " ").slice(0, 200),
      cut: l.cut,
    }));
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    const upstream = connect(port, host);
    const link: Link = { client, upstream, hello: "", cut: false };
    this.links.add(link);
    client.on("data", (chunk: Buffer) => {
      if (link.hello.length < HELLO_BYTES) link.hello += chunk.toString("latin1");
      if (!link.cut) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!link.cut) client.write(chunk);
    });
    upstream.on("close", () => {
      if (!link.cut) {
        client.destroy();
        this.links.delete(link);
      }
    });
    client.on("close", () => {
      upstream.destroy();
      this.links.delete(link);
    });
    // Resets of either side end the link through "close"; they are not the test's failures.
    client.on("error", () => {});
    upstream.on("error", () => {});
  }
}
