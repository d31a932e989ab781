import { spawn } from "node:child_process";
import { connect } from "node:net";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { API_ENTRY, freePort, serviceAddresses } from "../harness/index.js";

// Issue 13: the services the test command starts (infra/services) refuse whoever has no
// credentials, and each platform user has only its role's rights. Against the run's own
// Redis and MariaDB (ARCADE_TEST_*); the role URLs come from the same env file.

const s = serviceAddresses();
const hasRoles = Boolean(s.redisUrl && s.redisApiUrl && s.redisWorkerUrl);

/** One PING on a fresh socket with no AUTH: the first line of the answer. */
function anonymousPing(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write("PING\r\n"));
    let reply = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      reply += chunk;
      if (reply.includes("\r\n")) {
        socket.destroy();
        resolve(reply.split("\r\n")[0]!);
      }
    });
    socket.on("error", reject);
  });
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    return (error as Error).message;
  }
}

describe.skipIf(!hasRoles)("Redis refuses clients without credentials; each role has its own rights", () => {
  it("a client that sends no password gets NOAUTH", async () => {
    expect(await anonymousPing(s.redisUrl!)).toMatch(/^-NOAUTH/);
  });

  it("a wrong password is refused", async () => {
    const url = new URL(s.redisApiUrl!);
    url.password = "not-the-password";
    const client = new Redis(url.toString(), {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    let refused = "";
    client.on("error", (error: Error) => {
      refused ||= error.message;
    });
    await errorOf(client.connect());
    client.disconnect();
    expect(refused).toMatch(/WRONGPASS/);
  });

  it("the API user: its keys only, SUBSCRIBE but not PUBLISH, no dangerous command", async () => {
    const api = new Redis(s.redisApiUrl!, { maxRetriesPerRequest: 1 });
    try {
      expect(await api.set("arcade-cp-test:rl:x", "1", "PX", 1000)).toBe("OK");
      expect(await errorOf(api.set("someone-else:key", "1"))).toMatch(/NOPERM/);
      expect(await errorOf(api.set("arcade-cp-test:other", "1"))).toMatch(/NOPERM/);
      expect(await errorOf(api.publish("arcade-cp-test:plugin-events", "{}"))).toMatch(/NOPERM/);
      for (const command of [["flushall"], ["config", "get", "maxmemory"], ["keys", "*"], ["acl", "list"]]) {
        expect(await errorOf(api.call(command[0]!, ...command.slice(1)))).toMatch(/NOPERM/);
      }
    } finally {
      api.disconnect();
    }
  });

  it("the worker user: PUBLISH on the events channel, the node registry read-only", async () => {
    const worker = new Redis(s.redisWorkerUrl!, { maxRetriesPerRequest: 1 });
    try {
      expect(await worker.publish("arcade-cp-test:plugin-events", "{}")).toBe(0);
      expect(await errorOf(worker.set("arcade-cp-test:nodes:fake", "{}"))).toMatch(/NOPERM/);
      expect(await worker.get("arcade-cp-test:nodes:fake")).toBeNull();
      expect(await errorOf(worker.subscribe("arcade-cp-test:plugin-events"))).toMatch(/NOPERM/);
    } finally {
      worker.disconnect();
    }
  });

  it("job events and node acknowledgements: the worker writes job events, the API reads them; nodes only append acks, the worker only reads them", async () => {
    const api = new Redis(s.redisApiUrl!, { maxRetriesPerRequest: 1 });
    const worker = new Redis(s.redisWorkerUrl!, { maxRetriesPerRequest: 1 });
    const events = "arcade-cp-test:job-events:job-1";
    const acks = "arcade-cp-test:node-acks";
    try {
      const id = await worker.xadd(events, "MAXLEN", "~", 10, "*", "event", "{}");
      expect(await worker.expire(events, 60)).toBe(1);
      expect((await api.xrange(events, "-", "+")).map(([entry]) => entry)).toEqual([id]);
      expect(await errorOf(api.xadd(events, "*", "event", "{}"))).toMatch(/NOPERM/);
      expect(await errorOf(api.del(events))).toMatch(/NOPERM/);

      const ack = await api.xadd(acks, "MAXLEN", "~", 10, "*", "node", "{}");
      expect(await errorOf(api.xrange(acks, "-", "+"))).toMatch(/NOPERM/);
      expect((await worker.xrevrange(acks, "+", "-", "COUNT", 1)).map(([entry]) => entry)).toEqual([ack]);
      expect(await errorOf(worker.xadd(acks, "*", "node", "{}"))).toMatch(/NOPERM/);
      // Each may wake its own blocked stream read; 0: no client with that id is blocked.
      expect(await api.client("UNBLOCK", 999_999)).toBe(0);
      expect(await worker.client("UNBLOCK", 999_999)).toBe(0);
    } finally {
      api.disconnect();
      worker.disconnect();
      const admin = new Redis(s.redisUrl!, { maxRetriesPerRequest: 1 });
      await admin.del(events, acks).catch(() => {});
      admin.disconnect();
    }
  });

  it("the platform refuses to start on a Redis that anyone may use", async () => {
    // A throwaway redis-server without users, as a misconfigured deployment would have.
    const port = await freePort();
    const redis = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    try {
      await waitFor(
        async () => (await anonymousPing(`redis://127.0.0.1:${port}`).catch(() => "")) === "+PONG",
      );
      const api = spawn(process.execPath, [API_ENTRY], {
        env: {
          PATH: process.env.PATH ?? "",
          ARCADE_REDIS_URL: `redis://127.0.0.1:${port}`,
          ARCADE_SERVER_PORT: String(await freePort()),
          ARCADE_SERVER_DATA_DIR: `${s.dataDir ?? "/tmp"}/cp-refuse-${port}`,
          ARCADE_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      api.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => api.on("exit", resolve));
      expect(code).toBe(2);
      expect(stderr).toContain("redis.allow_unauthenticated");
    } finally {
      redis.kill("SIGKILL");
    }
  });
});

describe.skipIf(!s.mysqlUrl)("MariaDB refuses clients without credentials", () => {
  const target = () => new URL(s.mysqlUrl!);
  const connectAs = (user: string, password?: string) =>
    mysql.createConnection({
      host: target().hostname,
      port: Number(target().port),
      user,
      ...(password === undefined ? {} : { password }),
      connectTimeout: 5000,
    });

  it.each([
    ["root", undefined],
    ["root", ""],
    ["arcade", undefined],
    ["arcade", "arcade"],
    ["", undefined],
  ])("user %j with password %j is refused", async (user, password) => {
    expect(await errorOf(connectAs(user, password).then((c) => c.end()))).toMatch(/Access denied/);
  });

  it.skipIf(!s.mysqlReaderUrl)("the read-only user reads and cannot write", async () => {
    const reader = await mysql.createConnection(s.mysqlReaderUrl!);
    try {
      const [rows] = await reader.query("SELECT 1 AS one");
      expect(rows).toEqual([{ one: 1 }]);
      expect(await errorOf(reader.query("CREATE TABLE cp_reader_probe (id INT)"))).toMatch(/denied/i);
    } finally {
      await reader.end();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
