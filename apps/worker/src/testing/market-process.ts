import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ed25519KeyId } from "@arcade/core";

/**
 * The reference market (apps/market/src/main.ts) as a process of its own. The
 * worker may not import another app (dependency rules), so the tests talk to it
 * the way the platform does: over HTTP, and SIGHUP to rescan its folder.
 */
const MARKET_MAIN = resolve(import.meta.dirname, "..", "..", "..", "market", "src", "main.ts");

/** Exits the child when this test process is gone (re-parented), so no market outlives a crashed run. */
const PARENT_WATCH =
  "data:text/javascript,const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.exit(70)},1000).unref();";

const READY_TIMEOUT_MS = 30_000;
const alive = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of alive) child.kill("SIGKILL");
});

export interface MarketSigningKey {
  keyId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A fresh Ed25519 key with the id the SDK, the market and the platform all derive. */
export function newSigningKey(): MarketSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    keyId: ed25519KeyId(publicKey),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

interface LogLine {
  msg?: string;
  url?: string;
  versions?: number;
}

export class MarketProcess {
  /** Log lines (parsed pino JSON) in the order the market wrote them. */
  readonly lines: LogLine[] = [];
  private output = "";
  private readonly waiters = new Set<() => void>();
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly keyDir: string,
    readonly dir: string,
    readonly key: MarketSigningKey,
  ) {
    const read = (chunk: Buffer) => {
      this.output += chunk.toString("utf8");
      let nl = this.output.indexOf("\n");
      while (nl >= 0) {
        const line = this.output.slice(0, nl);
        this.output = this.output.slice(nl + 1);
        if (line.startsWith("{")) {
          try {
            this.lines.push(JSON.parse(line) as LogLine);
          } catch {
            // not a log line (the trust snippet)
          }
        }
        nl = this.output.indexOf("\n");
      }
      for (const wake of this.waiters) wake();
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    this.exit = new Promise((resolveExit) =>
      child.once("exit", () => {
        this.exited = true;
        alive.delete(child);
        for (const wake of this.waiters) wake();
        resolveExit();
      }),
    );
  }

  /** Starts `apps/market` over `dir` on a free loopback port, signing with `key` (new by default). */
  static async start(dir: string, key: MarketSigningKey = newSigningKey()): Promise<MarketProcess> {
    const keyDir = await mkdtemp(join(process.env.ARCADE_TEST_DATA_DIR || tmpdir(), "market-key-"));
    const keyFile = join(keyDir, "market.key.pem");
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && !name.startsWith("ARCADE_") && !name.startsWith("VITEST")) env[name] = value;
    }
    delete env.NODE_OPTIONS;
    const child = spawn(
      process.execPath,
      ["--import", tsx, "--import", PARENT_WATCH, MARKET_MAIN, "--dir", dir, "--port", "0", "--key", keyFile],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    alive.add(child);
    const market = new MarketProcess(child, keyDir, dir, key);
    try {
      await market.waitFor(() => market.lines.some((l) => l.msg === "market ready"), READY_TIMEOUT_MS);
    } catch (error) {
      await market.stop();
      throw error;
    }
    return market;
  }

  /** `http://127.0.0.1:PORT/`: what plugin.market_api is set to. */
  get url(): string {
    const ready = this.lines.find((l) => l.msg === "market ready");
    if (!ready?.url) throw new Error("the market has not said where it listens");
    return ready.url;
  }

  /** SIGHUP, as an operator would after publishing a zip; resolves once the catalog was re-read. */
  async rescan(): Promise<number> {
    const before = this.lines.filter((l) => l.msg === "catalog rescanned").length;
    this.child.kill("SIGHUP");
    await this.waitFor(
      () => this.lines.filter((l) => l.msg === "catalog rescanned").length > before,
      READY_TIMEOUT_MS,
    );
    return this.lines.filter((l) => l.msg === "catalog rescanned").at(-1)?.versions ?? 0;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await this.exit;
      clearTimeout(timer);
    }
    await rm(this.keyDir, { recursive: true, force: true });
  }

  /** Resolves once `done()` holds (checked after every chunk of output); rejects if the market exits first. */
  private waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      const check = () => {
        if (done()) return finish();
        if (this.exited) return finish(new Error(`the market exited; its output:\n${this.dump()}`));
      };
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error) reject(error);
        else resolvePromise();
      };
      const timer = setTimeout(
        () => finish(new Error(`the market did not answer within ${timeoutMs} ms:\n${this.dump()}`)),
        timeoutMs,
      );
      this.waiters.add(check);
      check();
    });
  }

  private dump(): string {
    return this.lines.map((l) => JSON.stringify(l)).join("\n");
  }
}
