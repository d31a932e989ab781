import { describe, expect, it, vi } from "vitest";
import { jobLogger } from "./child-loggers.js";
import { createLogger } from "./create-logger.js";
import { isSecretKey, MAX_DEPTH, REDACTED, redactSecrets, TRUNCATED } from "./redact.js";
import { capture } from "./testing/capture.js";

/**
 * What the platform's logger (createLogger, the pino instance of the api, worker and market)
 * writes, searched byte for byte: no secret may appear anywhere in the output.
 */
const SECRETS = [
  "pw-in-url-1",
  "tok-in-query-2",
  "bearer-value-3",
  "xoxb-1111-secret4",
  "apikey-value-5",
  "webhook-path-6",
  "err-msg-pass-7",
  "stack-token-8",
  "binding-pass-9",
  "nested-key-10",
  "array-key-11",
  "cause-pass-12",
  "err-field-13",
];

function json() {
  const out = capture();
  return { out, logger: createLogger({ name: "api", destination: out.stream, pretty: false }) };
}

function expectNoSecret(text: string, secrets: readonly string[] = SECRETS) {
  for (const s of secrets) expect(text, `leaked ${s}`).not.toContain(s);
}

describe("the logger redacts values that look secret, wherever they are", () => {
  it("in messages", () => {
    const { out, logger } = json();
    logger.info("calling https://ann:pw-in-url-1@hooks.example/x");
    logger.info("GET /hook?a=1&token=tok-in-query-2");
    logger.warn("header was Authorization: Bearer bearer-value-3");
    logger.error("slack refused xoxb-1111-secret4");
    const text = out.text();
    expectNoSecret(text, SECRETS.slice(0, 4));
    expect(out.lines().map((l) => l.msg)).toEqual([
      `calling https://ann:${REDACTED}@hooks.example/x`,
      `GET /hook?a=1&token=${REDACTED}`,
      `header was Authorization: Bearer ${REDACTED}`,
      `slack refused xoxb-${REDACTED}`,
    ]);
  });

  it("in fields with innocent names, nested and in arrays", () => {
    const { out, logger } = json();
    logger.info(
      {
        target: "https://hooks.slack.com/services/T1/B2/webhook-path-6",
        calls: [{ url: "https://x.example/?api_key=apikey-value-5" }],
      },
      "sent",
    );
    expectNoSecret(out.text(), ["webhook-path-6", "apikey-value-5"]);
    expect(out.lines()[0]).toMatchObject({
      target: `https://hooks.slack.com/services/${REDACTED}`,
      calls: [{ url: `https://x.example/?api_key=${REDACTED}` }],
    });
  });

  it("in error messages, stacks, causes and error fields, logged as err or under any key", () => {
    const { out, logger } = json();
    const cause = new Error("db refused mysql://root:cause-pass-12@db/x");
    const err = new Error("connect to https://u:err-msg-pass-7@api.example failed", { cause });
    err.stack = `${err.stack}\n    at fetch (https://cdn.example/x.js?token=stack-token-8)`;
    Object.assign(err, { password: "err-field-13" });
    logger.error({ err }, "failed");
    logger.error(err);
    logger.warn({ failure: err }, "again");
    const text = out.text();
    expectNoSecret(text, ["err-msg-pass-7", "stack-token-8", "cause-pass-12", "err-field-13"]);
    const [first, second, third] = out.lines();
    expect(first).toMatchObject({ err: { type: "Error", password: REDACTED } });
    expect(String((first?.err as { message?: string } | undefined)?.message)).toContain(
      `https://u:${REDACTED}@api.example`,
    );
    expect(second?.msg).toContain(REDACTED);
    expect(third).toMatchObject({ failure: { type: "Error", password: REDACTED } });
  });

  it("in child bindings", () => {
    const { out, logger } = json();
    jobLogger(logger, "job-1").child({ endpoint: "redis://w:binding-pass-9@cache:6379" }).info("step");
    expectNoSecret(out.text(), ["binding-pass-9"]);
    expect(out.lines()[0]).toMatchObject({ endpoint: `redis://w:${REDACTED}@cache:6379`, jobId: "job-1" });
  });

  it("by key name too: apiKey, webhookUrl, x-api-key, cookie, case-insensitive, nested and in arrays", () => {
    const { out, logger } = json();
    logger.info(
      {
        config: { apiKey: "nested-key-10", WebhookURL: "plain-webhook", channel: "#ops" },
        headers: { "X-Api-Key": "hdr-key", cookie: "sid=abc" },
        list: [{ private_key: "array-key-11" }],
      },
      "configured",
    );
    expectNoSecret(out.text(), ["nested-key-10", "array-key-11", "plain-webhook", "hdr-key", "sid=abc"]);
    expect(out.lines()[0]).toMatchObject({
      config: { apiKey: REDACTED, WebhookURL: REDACTED, channel: "#ops" },
      headers: { "X-Api-Key": REDACTED, cookie: REDACTED },
      list: [{ private_key: REDACTED }],
    });
  });

  it("in pretty output as well", async () => {
    const out = capture();
    const logger = createLogger({ name: "api", destination: out.stream, pretty: true });
    logger.info({ url: "https://u:pretty-pass@h" }, "see https://v:pretty-msg@h");
    await vi.waitFor(() => expect(out.text()).toContain("see https://v:"));
    expectNoSecret(out.text(), ["pretty-pass", "pretty-msg"]);
  });
});

describe("isSecretKey", () => {
  it.each([
    "authorization",
    "Authorization",
    "proxy-authorization",
    "cookie",
    "Set-Cookie",
    "token",
    "accessToken",
    "refresh_token",
    "password",
    "dbPassword",
    "passwd",
    "apiKey",
    "api_key",
    "X-API-KEY",
    "privateKey",
    "s3AccessKey",
    "clientSecret",
    "secretAccessKey",
    "webhookUrl",
    "slack_webhook_url",
    "webhook",
    "credentials",
  ])("%s is secret", (key) => expect(isSecretKey(key)).toBe(true));

  it.each(["pluginId", "tokens", "tokenSha256", "keyId", "idempotencyKey", "s3KeyPrefix", "name", "url"])(
    "%s is not",
    (key) => expect(isSecretKey(key)).toBe(false),
  );
});

describe("redactSecrets bounds", () => {
  it("replaces containers past MAX_DEPTH instead of passing them unchecked", () => {
    let deep: Record<string, unknown> = { token: "deep-secret" };
    for (let i = 0; i < MAX_DEPTH + 2; i++) deep = { next: deep };
    const text = JSON.stringify(redactSecrets(deep));
    expect(text).not.toContain("deep-secret");
    expect(text).toContain(TRUNCATED);
  });

  it("stops after a bounded number of nodes", () => {
    const wide = Array.from({ length: 20_000 }, (_, i) => ({ i, token: `t-${i}` }));
    const text = JSON.stringify(redactSecrets({ wide }));
    expect(text).not.toMatch(/t-\d/);
    expect(text).toContain(TRUNCATED);
  });

  it("copies circular structures without looping", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    expect(JSON.stringify(redactSecrets(a))).toContain(TRUNCATED);
  });
});
