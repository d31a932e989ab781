import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type VersionPatch = Record<string, unknown>;

/**
 * A market that misbehaves, in front of the real one: forwards every request to
 * `upstream`, but can rewrite what the catalog says about a version (a wrong
 * SHA-256, no signature) and can drop every connection as it opens (a market
 * that is down). The Host header is passed on, so the download URLs the
 * market hands out point back at the proxy.
 */
export class MarketProxy {
  /** Connections dropped while `down` was set. */
  dropped = 0;
  /** While true, every new connection is closed at once (the client sees a reset). */
  down = false;
  private readonly patches = new Map<string, VersionPatch>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(upstream: string): Promise<MarketProxy> {
    const target = new URL(upstream);
    let proxy: MarketProxy | undefined;
    const server = createServer((req, res) => {
      // A kept-alive connection from before the outage must not slip through either.
      if (proxy?.down) {
        proxy.dropped += 1;
        req.socket.destroy();
        return;
      }
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const detail = /^\/v1\/plugins\/([^/?]+)$/.exec(req.url ?? "");
          if (!detail || answer.statusCode !== 200 || !proxy) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          answer.on("data", (c: Buffer) => chunks.push(c));
          answer.on("end", () => {
            const body = proxy!.rewrite(JSON.parse(Buffer.concat(chunks).toString("utf8")));
            const text = JSON.stringify(body);
            res.writeHead(200, {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(text),
            });
            res.end(text);
          });
        },
      );
      forward.on("error", () => res.destroy());
      req.pipe(forward);
    });
    server.on("connection", (socket) => {
      if (proxy?.down) {
        proxy.dropped += 1;
        socket.destroy();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new MarketProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return proxy;
  }

  /** From now on the catalog lists `marketId` `version` with these fields replaced. */
  patchVersion(marketId: string, version: string, patch: VersionPatch): void {
    this.patches.set(`${marketId}@${version}`, patch);
  }

  reset(): void {
    this.patches.clear();
    this.down = false;
    this.dropped = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private rewrite(body: { marketId: string; versions: { version: string }[] }) {
    return {
      ...body,
      versions: body.versions.map((v) => ({ ...v, ...this.patches.get(`${body.marketId}@${v.version}`) })),
    };
  }
}
