import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ChangePlan } from "@arcade/contracts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "../errors.js";
import { formatPlan } from "../output/plan-format.js";
import { runCli } from "../run-cli.js";
import { testEnvironment } from "../test-support/capture.js";
import { FakeApi, jobAt } from "../test-support/fake-api.js";

const PLUGIN_ID = "plugin_slack_abc123";

const plan = (over: Partial<ChangePlan> = {}): ChangePlan => ({
  type: "disable",
  pluginId: PLUGIN_ID,
  name: "slack",
  fromVersion: "1.0.0",
  toVersion: null,
  dependencies: {
    cascade: [{ pluginId: "plugin_alerts_def456", name: "alerts", version: "3.0.0", requires: "^1.0.0" }],
    broken: [],
    unmet: [],
  },
  permissions: null,
  platform: null,
  config: null,
  rollout: {
    strategy: "all-at-once",
    steps: [
      {
        step: 0,
        kind: "switch",
        holdMs: 0,
        nodes: [
          { nodeId: "node-a", serves: {} },
          { nodeId: "node-b", serves: {} },
        ],
      },
    ],
  },
  blocked: [],
  ...over,
});

const BLOCKED = plan({
  blocked: [
    {
      code: "DEPENDENTS_EXIST",
      message: "cannot disable slack: enabled plugins depend on it: alerts (plugin_alerts_def456)",
      errors: [{ path: "/dependents/0", message: "alerts 3.0.0 requires slack@^1.0.0" }],
    },
  ],
});

let api: FakeApi;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "arcade-cli-plan-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  api = await FakeApi.start();
  // The dry run answers the plan; the real request the job.
  api.on("POST", `/api/v1/plugins/${PLUGIN_ID}/disable`, (req) =>
    req.query.get("dryRun") === "true"
      ? { status: 200, body: req.query.get("cascade") === "true" ? plan() : BLOCKED }
      : { status: 202, body: jobAt(7, { type: "disable", state: "succeeded", pluginId: PLUGIN_ID }) },
  );
});
afterEach(async () => {
  await api.close();
});

/** One command line; `interactive` plays a person at a terminal answering `stdin`. */
async function cli(args: string[], options: { interactive?: boolean; stdin?: string } = {}) {
  const { io, stdout, stderr } = testEnvironment(
    { ARCADE_API_URL: api.url, ARCADE_TOKEN: "t0ken" },
    dir,
    options.stdin ?? "",
  );
  const code = await runCli(args, { ...io, ...(options.interactive ? { interactive: true } : {}) });
  return { code, out: stdout.text(), err: stderr.text() };
}

const sent = () => api.requests.map((r) => `${r.method} dryRun=${r.query.get("dryRun")}`);

describe("mutations show their plan and ask at a terminal", () => {
  it("a yes: the plan, the question, then the real request", async () => {
    const { code, out } = await cli(["disable", PLUGIN_ID, "--cascade"], { interactive: true, stdin: "y\n" });
    expect(code).toBe(EXIT.ok);
    expect(out).toContain("Plan: disable slack (plugin_slack_abc123): 1.0.0 -> nothing");
    expect(out).toContain("alerts 3.0.0 (plugin_alerts_def456), needs ^1.0.0");
    expect(out).toContain("Send this change? [y/N] ");
    expect(out).toContain("disable plugin_slack_abc123 succeeded");
    expect(sent()).toEqual(["POST dryRun=true", "POST dryRun=null"]);
    expect(api.requests.every((r) => r.query.get("cascade") === "true")).toBe(true);
  });

  it("anything but yes, or no answer at all, sends nothing", async () => {
    for (const stdin of ["n\n", "\n", "yep\n", ""]) {
      const { code, out } = await cli(["disable", PLUGIN_ID], { interactive: true, stdin });
      expect(code, JSON.stringify(stdin)).toBe(EXIT.failed);
      expect(out).toContain("not sent: nothing changed");
      expect(out).toContain("would fail with DEPENDENTS_EXIST");
    }
    expect(new Set(sent())).toEqual(new Set(["POST dryRun=true"]));
  });

  it("--yes sends at once, without asking for the plan", async () => {
    const { code, out } = await cli(["disable", PLUGIN_ID, "--yes"], { interactive: true });
    expect(code).toBe(EXIT.ok);
    expect(out).not.toContain("Plan:");
    expect(sent()).toEqual(["POST dryRun=null"]);
  });

  it("without a terminal (scripts, CI) a mutation is sent as before: no plan, no question", async () => {
    const { code, out } = await cli(["disable", PLUGIN_ID]);
    expect(code).toBe(EXIT.ok);
    expect(out).not.toContain("Send this change?");
    expect(sent()).toEqual(["POST dryRun=null"]);
  });

  it("--dry-run prints the plan and sends nothing: exit 0 when it would go ahead, 1 when blocked", async () => {
    const ok = await cli(["disable", PLUGIN_ID, "--cascade", "--dry-run"]);
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.out).toContain("would go ahead");
    expect(ok.out).toContain("step 1 (switch): node-a nothing | node-b nothing");
    const blocked = await cli(["disable", PLUGIN_ID, "--dry-run"]);
    expect(blocked.code).toBe(EXIT.failed);
    expect(blocked.out).toContain("DEPENDENTS_EXIST: cannot disable slack");
    expect(blocked.out).toContain("/dependents/0: alerts 3.0.0 requires slack@^1.0.0");
    const json = await cli(["--json", "disable", PLUGIN_ID, "--dry-run"]);
    expect(JSON.parse(json.out)).toEqual(BLOCKED);
    expect(sent()).toEqual(["POST dryRun=true", "POST dryRun=true", "POST dryRun=true"]);
  });

  it("install uploads the file for the plan, then again for the job", async () => {
    const zip = path.join(dir, "p.zip");
    await writeFile(zip, "zip bytes");
    api.on("POST", "/api/v1/plugins/install", (req) =>
      req.query.get("dryRun") === "true"
        ? {
            status: 200,
            body: plan({ type: "install", pluginId: null, toVersion: "1.0.0", fromVersion: null }),
          }
        : { status: 202, body: jobAt(7, { type: "install", state: "succeeded" }) },
    );
    const { code } = await cli(["install", "p.zip"], { interactive: true, stdin: "yes\n" });
    expect(code).toBe(EXIT.ok);
    expect(sent()).toEqual(["POST dryRun=true", "POST dryRun=null"]);
    expect(api.requests.map((r) => r.multipart?.files[0]?.size)).toEqual([9, 9]);
  });

  it("config set - reads the config from stdin, so it asks nothing even at a terminal", async () => {
    api.on("PUT", `/api/v1/plugins/${PLUGIN_ID}/config`, () => ({
      status: 202,
      body: jobAt(7, { type: "configure", state: "succeeded", pluginId: PLUGIN_ID }),
    }));
    const { code, out } = await cli(["config", "set", PLUGIN_ID, "-"], {
      interactive: true,
      stdin: '{"a":1}',
    });
    expect(code).toBe(EXIT.ok);
    expect(out).not.toContain("Send this change?");
    expect(sent()).toEqual(["PUT dryRun=null"]);
  });

  it("a market install has no plan: it says so and still asks", async () => {
    api.on("POST", "/api/v1/plugins/install", () => ({
      status: 202,
      body: jobAt(7, { type: "install", state: "succeeded" }),
    }));
    const { code, out } = await cli(["install", "--market", "m-1"], { interactive: true, stdin: "y\n" });
    expect(code).toBe(EXIT.ok);
    expect(out).toContain("no plan: the worker fetches market artifacts");
    expect(sent()).toEqual(["POST dryRun=null"]);
  });
});

describe("formatPlan", () => {
  it("shows permissions, compatibility, config keys and the nodes of each step", () => {
    const lines = formatPlan(
      plan({
        type: "update",
        toVersion: "2.0.0",
        dependencies: {
          cascade: [],
          broken: [
            { pluginId: "plugin_alerts_def456", name: "alerts", version: "3.0.0", requires: "^1.0.0" },
          ],
          unmet: [{ name: "sms", version: "^2.0.0", installed: null, reason: "not-installed" }],
        },
        permissions: { next: ["env HOME"], added: ["env HOME"], removed: ["env TZ"], escalated: true },
        platform: { minVersion: "3.0.0", platformVersion: "1.0.0", compatible: false },
        config: { invalidKeys: ["channel"], errors: [{ path: "/channel", message: "must be integer" }] },
        rollout: {
          strategy: "canary",
          steps: [
            {
              step: 0,
              kind: "switch",
              holdMs: 60_000,
              nodes: [
                { nodeId: "node-a", serves: { "2.0.0": 100 } },
                { nodeId: "node-b", serves: { "1.0.0": 100 } },
              ],
            },
            {
              step: 1,
              kind: "split",
              holdMs: 0,
              nodes: [{ nodeId: "node-a", serves: { "2.0.0": 10, "1.0.0": 90 } }],
            },
          ],
        },
      }),
    );
    expect(lines).toEqual([
      "Plan: update slack (plugin_slack_abc123): 1.0.0 -> 2.0.0",
      "  would go ahead",
      "  dependent left out of range: alerts 3.0.0 needs ^1.0.0",
      "  unmet dependency: sms ^2.0.0 (not installed)",
      "  permission + env HOME (new: needs --accept-permissions)",
      "  permission - env TZ",
      "  platform 1.0.0: INCOMPATIBLE (needs 3.0.0 or newer)",
      "  config keys that would become invalid: channel",
      "  rollout: canary",
      "    step 1 (hold 1m, switch): node-a 2.0.0 | node-b 1.0.0",
      "    step 2 (split): node-a 2.0.0 10% + 1.0.0 90%",
    ]);
    expect(
      formatPlan(plan({ changed: false, dependencies: { cascade: [], broken: [], unmet: [] } })),
    ).toContain("  would change nothing: already applied");
  });
});
