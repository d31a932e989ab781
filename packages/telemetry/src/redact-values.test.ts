import { describe, expect, it } from "vitest";
import { REDACTED } from "./redact.js";
import { redactValues, VALUE_PATTERNS } from "./redact-values.js";

const R = REDACTED;

describe("redactValues", () => {
  it.each([
    ["https://ann:hunter2@hooks.example/x", `https://ann:${R}@hooks.example/x`],
    ["mysql://arcade:s3cr3t@db:3306/arcade", `mysql://arcade:${R}@db:3306/arcade`],
    ["redis://:pw-only@cache:6379", `redis://:${R}@cache:6379`],
    ["https://ghtoken123@github.com/o/r.git", `https://${R}@github.com/o/r.git`],
    ["GET /hook?token=abc123&x=1", `GET /hook?token=${R}&x=1`],
    ["/cb?access_token=a.b.c#frag", `/cb?access_token=${R}#frag`],
    ["/v1?API_KEY=zzz;sig=qqq", `/v1?API_KEY=${R};sig=${R}`],
    [
      "https://b.s3/o?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff00",
      `https://b.s3/o?X-Amz-Credential=${R}&X-Amz-Signature=${R}`,
    ],
    ["connect failed password=hunter2 host=db", `connect failed password=${R} host=db`],
    ["Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abc", `Authorization: Bearer ${R}`],
    ["authorization: basic YWxhZGRpbjpvcGVuc2VzYW1l", `authorization: basic ${R}`],
    ["slack xoxb-123456789012-abcdefABCDEF said no", `slack xoxb-${R} said no`],
    ["token ghp_0123456789abcdefghijABCDEFGHIJ012345 expired", `token ghp_${R} expired`],
    ["pat github_pat_11ABCDEFG0123456789_abcdefghijklmnop", `pat github_pat_${R}`],
    [
      "post https://hooks.slack.com/services/T000/B000/XXXXyyyy failed",
      `post https://hooks.slack.com/services/${R} failed`,
    ],
    ["https://discord.com/api/webhooks/123/abc-DEF", `https://discord.com/api/webhooks/${R}`],
    ["no scheme hooks.slack.com/services/T1/B2/xyz", `no scheme hooks.slack.com/services/${R}`],
    ["discordapp.com/api/webhooks/1/tok", `discordapp.com/api/webhooks/${R}`],
    [
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok",
      `jwt eyJ${R} ok`,
    ],
    [
      "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\nAbC=\\n-----END RSA PRIVATE KEY-----",
      `-----BEGIN RSA PRIVATE KEY-----${R}`,
    ],
  ])("%s", (input, expected) => {
    expect(redactValues(input)).toBe(expected);
  });

  it.each([
    "plain message with nothing secret",
    "missing bearer token",
    "https://example.com/path?page=2&sort=name",
    "see http://[::1]:8080/healthz and http://host:8080/x?email=a@b.c",
    "plugin_slack_k3x9q2 loaded in 12ms",
    '{"level":"info","msg":"ok","pluginId":"p","revision":3}',
  ])("leaves %s as it is", (input) => {
    expect(redactValues(input)).toBe(input);
  });

  it("keeps a JSON line parseable: a secret stops at a quote or an escape", () => {
    const line = JSON.stringify({ msg: 'call https://u:p@h/x?token=t"quoted"', url: "a?key=v\\w" });
    const out = redactValues(line);
    expect(() => JSON.parse(out)).not.toThrow();
    expect(out).not.toContain(":p@");
    expect(out).not.toContain("token=t");
  });

  it("never cuts a JSON escape in half (a private key followed by an escaped quote)", () => {
    const line = JSON.stringify({ msg: '-----BEGIN PRIVATE KEY-----\nAbC=\n"x" after', n: 1 });
    const out = redactValues(line);
    expect(JSON.parse(out)).toEqual({ msg: `-----BEGIN PRIVATE KEY-----${R}"x" after`, n: 1 });
  });

  it("keeps every JSON line parseable, whatever strings it holds (seeded random lines)", () => {
    const parts = [
      "://",
      "@",
      ":",
      "?",
      "&",
      ";",
      "=",
      "token=",
      "key=",
      "Bearer ",
      "basic ",
      "xoxb-",
      "ghp_",
      "eyJ",
      ".",
      "-----BEGIN PRIVATE KEY-----",
      "-----END PRIVATE KEY-----",
      "\n",
      '"',
      "\\",
      "'",
      " ",
      "abcdefgh",
      "12345678",
      "/",
      "#",
      "hooks.slack.com/services/",
      "é",
      "\u0000",
    ];
    let seed = 42;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      let text = "";
      const length = next() % 40;
      for (let j = 0; j < length; j++) text += parts[next() % parts.length];
      const line = JSON.stringify({ msg: text, [text.slice(0, 12)]: text, list: [text] });
      const out = redactValues(line);
      expect(() => JSON.parse(out), out).not.toThrow();
    }
  });

  it("is idempotent: redacted text stays as it is", () => {
    const once = redactValues("https://u:pw@h?token=abc Bearer abcdefghijkl");
    expect(redactValues(once)).toBe(once);
  });

  it("handles long hostile input (RE2: linear in the line, no backtracking)", () => {
    const hostile = `${"://".repeat(20_000)}${"a".repeat(100_000)}${"?x".repeat(20_000)}=`;
    expect(typeof redactValues(hostile)).toBe("string");
  });

  it("names every pattern once", () => {
    const names = VALUE_PATTERNS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
