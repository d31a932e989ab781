import { afterEach, describe, expect, it, vi } from "vitest";
import { jobLogger, requestLogger } from "./child-loggers.js";
import { createLogger } from "./create-logger.js";
import { REDACTED } from "./redact.js";
import { capture } from "./testing/capture.js";

describe("createLogger", () => {
  it("writes JSON lines with service, node, an ISO time and a level label", () => {
    const out = capture();
    const logger = createLogger({ name: "api", nodeId: "node-1", destination: out.stream, pretty: false });
    logger.info({ pluginId: "plugin_x_abc123" }, "loaded");
    const [line] = out.lines();
    expect(line).toMatchObject({
      level: "info",
      service: "api",
      node: "node-1",
      pluginId: "plugin_x_abc123",
      msg: "loaded",
    });
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
  });

  it("honours the level", () => {
    const out = capture();
    const logger = createLogger({ name: "api", level: "warn", destination: out.stream, pretty: false });
    logger.info("hidden");
    logger.warn("shown");
    expect(out.lines().map((l) => l.msg)).toEqual(["shown"]);
  });

  it("keeps errors readable", () => {
    const out = capture();
    createLogger({ name: "api", destination: out.stream, pretty: false }).error(
      { err: new Error("boom") },
      "failed",
    );
    expect(out.lines()[0]).toMatchObject({ err: { type: "Error", message: "boom" } });
  });
});

describe("child loggers", () => {
  it("every line of a request carries its requestId, also from deeper children", () => {
    const out = capture();
    const logger = createLogger({ name: "api", destination: out.stream, pretty: false });
    const log = requestLogger(logger, "req-42");
    log.info("start");
    log.child({ route: "/plugins" }).warn("slow");
    logger.info("unrelated");
    expect(out.lines().map((l) => [l.msg, l.requestId])).toEqual([
      ["start", "req-42"],
      ["slow", "req-42"],
      ["unrelated", undefined],
    ]);
  });

  it("every line of a job carries jobId, and pluginId when given", () => {
    const out = capture();
    const logger = createLogger({ name: "worker", destination: out.stream, pretty: false });
    jobLogger(logger, "job-1", "plugin_slack_k3x9q2").info("step");
    jobLogger(logger, "job-2").info("step");
    const [first, second] = out.lines();
    expect(first).toMatchObject({ jobId: "job-1", pluginId: "plugin_slack_k3x9q2", service: "worker" });
    expect(second).toMatchObject({ jobId: "job-2" });
    expect(second).not.toHaveProperty("pluginId");
  });
});

describe("redaction", () => {
  it("censors authorization, tokens, passwords and anything secret, at any depth", () => {
    const out = capture();
    const logger = createLogger({ name: "api", destination: out.stream, pretty: false });
    logger.info(
      {
        authorization: "Bearer top-1",
        headers: { authorization: "Bearer top-2", "content-type": "application/json" },
        auth: { token: "top-3", name: "ci" },
        db: { password: "top-4", host: "db" },
        storage: { s3SecretAccessKey: "top-5", s3Bucket: "b" },
        market: { clientSecret: "top-6" },
        list: [{ accessToken: "top-7" }],
      },
      "request",
    );
    const text = out.text();
    for (let i = 1; i <= 7; i++) expect(text).not.toContain(`top-${i}`);
    expect(out.lines()[0]).toMatchObject({
      authorization: REDACTED,
      headers: { authorization: REDACTED, "content-type": "application/json" },
      auth: { token: REDACTED, name: "ci" },
      db: { password: REDACTED, host: "db" },
      storage: { s3SecretAccessKey: REDACTED, s3Bucket: "b" },
      market: { clientSecret: REDACTED },
      list: [{ accessToken: REDACTED }],
    });
  });

  it("censors child bindings too", () => {
    const out = capture();
    const logger = createLogger({ name: "api", destination: out.stream, pretty: false });
    logger.child({ token: "bound-1", user: "ann", db: { password: "bound-2" } }).info("hi");
    expect(out.text()).not.toContain("bound-");
    expect(out.lines()[0]).toMatchObject({ token: REDACTED, user: "ann", db: { password: REDACTED } });
  });
});

describe("pretty output", () => {
  const saved = process.env.ARCADE_LOG_PRETTY;
  afterEach(() => {
    if (saved === undefined) delete process.env.ARCADE_LOG_PRETTY;
    else process.env.ARCADE_LOG_PRETTY = saved;
  });

  it("is used when ARCADE_LOG_PRETTY=1 and pino-pretty is installed", async () => {
    process.env.ARCADE_LOG_PRETTY = "1";
    const out = capture();
    createLogger({ name: "api", destination: out.stream }).info({ token: "pretty-secret" }, "hello there");
    // pino-pretty pipes into the destination, one tick later.
    await vi.waitFor(() => expect(out.text()).toContain("hello there"));
    const text = out.text();
    expect(text).toContain("hello there");
    expect(text).not.toContain("pretty-secret");
    expect(() => JSON.parse(text.split("\n")[0]!)).toThrow();
  });

  it("is off by default", () => {
    delete process.env.ARCADE_LOG_PRETTY;
    const out = capture();
    createLogger({ name: "api", destination: out.stream }).info("plain");
    expect(out.lines()[0]).toMatchObject({ msg: "plain" });
  });
});
