import { type Manifest, PluginStatus } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import type { DependencyPlugin } from "../dependencies/index.js";
import { type PlanInput, type PlannedPlugin, planChange } from "./plan-change.js";

function manifest(version: string, over: Partial<Manifest> = {}): Manifest {
  return { name: "slack", version, pluginType: "notify", entryPoint: "index.js", ...over };
}

const v1 = manifest("1.0.0", {
  configSchema: { type: "object", properties: { url: { type: "string" } } },
  permissions: { network: { hosts: ["hooks.slack.com:443"] } },
});
const current: PlannedPlugin = {
  pluginId: "plugin_slack_1",
  name: "slack",
  version: "1.0.0",
  manifest: v1,
  config: { url: "https://hooks.slack.com/x", channel: "#ops" },
};

function plugin(
  name: string,
  version: string,
  deps: { name: string; version: string }[] = [],
): DependencyPlugin {
  return {
    pluginId: `plugin_${name}`,
    name,
    version,
    isEnabled: PluginStatus.Enabled,
    manifest: { dependencies: deps },
  };
}

const installed = [
  plugin("slack", "1.0.0"),
  plugin("alerts", "3.0.0", [{ name: "slack", version: "^1.0.0" }]),
];

function update(next: Manifest, over: Partial<PlanInput> = {}): PlanInput {
  return {
    type: "update",
    current,
    next,
    installed,
    platformVersion: "2.4.0",
    liveNodes: ["n1", "n2", "n3"],
    ...over,
  };
}

describe("planChange: update", () => {
  const v2 = manifest("2.0.0", {
    minVersion: "3.0.0",
    configSchema: {
      type: "object",
      properties: { url: { type: "string", format: "uri" }, channel: { type: "integer" } },
      additionalProperties: false,
    },
    permissions: { network: { hosts: ["hooks.slack.com:443", "api.slack.com:443"] }, env: ["HTTP_PROXY"] },
  });

  it("lists every reason the job would fail, with its code, and what would change", () => {
    const plan = planChange(update(v2));
    expect(plan).toMatchObject({
      type: "update",
      pluginId: "plugin_slack_1",
      fromVersion: "1.0.0",
      toVersion: "2.0.0",
    });
    // In the order the update job runs its rules: its first failure is the first entry.
    expect(plan.blocked.map((b) => b.code)).toEqual([
      "PLATFORM_VERSION_UNSUPPORTED",
      "DEPENDENCY_VERSION",
      "PERMISSIONS_ESCALATED",
      "FORBIDDEN",
      "CONFIG_INVALID",
    ]);
    expect(plan.dependencies.broken).toEqual([
      { pluginId: "plugin_alerts", name: "alerts", version: "3.0.0", requires: "^1.0.0" },
    ]);
    expect(plan.permissions).toEqual({
      next: ["network.hosts api.slack.com:443", "network.hosts hooks.slack.com:443", "env HTTP_PROXY"],
      added: ["network.hosts api.slack.com:443", "env HTTP_PROXY"],
      removed: [],
      escalated: true,
    });
    expect(plan.platform).toEqual({ minVersion: "3.0.0", platformVersion: "2.4.0", compatible: false });
    expect(plan.config?.invalidKeys).toEqual(["channel"]);
  });

  it("a clean update by an admin who accepts the permissions is not blocked", () => {
    const clean = manifest("1.1.0", {
      configSchema: v1.configSchema,
      permissions: { network: { hosts: ["hooks.slack.com:443"] }, env: ["HTTP_PROXY"] },
    });
    const plan = planChange(update(clean, { request: { acceptPermissions: true, requestedRole: "admin" } }));
    expect(plan.blocked).toEqual([]);
    expect(plan.permissions?.added).toEqual(["env HTTP_PROXY"]);
    expect(plan.config).toEqual({ invalidKeys: [], errors: [] });
  });

  it("shows which node would serve what at each canary step", () => {
    const plan = planChange(
      update(manifest("1.1.0", { permissions: v1.permissions }), {
        rollout: { strategy: "canary", steps: [{ nodes: 1, hold: "60s" }, { percent: 100 }] },
      }),
    );
    expect(plan.rollout?.strategy).toBe("canary");
    expect(
      plan.rollout?.steps.map((s) => s.nodes.map((n) => `${n.nodeId}:${Object.keys(n.serves).join("+")}`)),
    ).toEqual([
      ["n1:1.1.0", "n2:1.0.0", "n3:1.0.0"],
      ["n1:1.1.0", "n2:1.1.0", "n3:1.1.0"],
    ]);
    expect(plan.rollout?.steps[0]?.holdMs).toBe(60_000);
  });

  it("a split serves both versions in shares; two-phase loads before it serves", () => {
    const next = manifest("1.1.0", { permissions: v1.permissions });
    const split = planChange(update(next, { rollout: { strategy: "all-at-once", split: { "1.1.0": 10 } } }));
    expect(split.rollout?.steps[0]?.nodes[0]).toEqual({ nodeId: "n1", serves: { "1.1.0": 10, "1.0.0": 90 } });
    const twoPhase = planChange(update(next, { rollout: { strategy: "two-phase" } }));
    expect(twoPhase.rollout?.steps.map((s) => [s.kind, s.nodes[0]])).toEqual([
      ["prepare", { nodeId: "n1", serves: { "1.0.0": 100 }, loads: "1.1.0" }],
      ["switch", { nodeId: "n1", serves: { "1.1.0": 100 } }],
    ]);
  });

  it("a sealed secret in the stored config is not checked against the new schema's format", () => {
    const withSecret: PlannedPlugin = {
      ...current,
      config: { url: "not a uri", token: "v1:k1:sealed+bytes" },
    };
    const next = manifest("1.1.0", {
      permissions: v1.permissions,
      configSchema: {
        type: "object",
        properties: {
          url: { type: "string", format: "uri" },
          token: { type: "string", pattern: "^xoxb-", writeOnly: true },
        },
      },
    });
    const plan = planChange(update(next, { current: withSecret }));
    expect(plan.config?.invalidKeys).toEqual(["url"]);
  });

  it("an update must keep the plugin's name", () => {
    const renamed = manifest("1.1.0", { name: "slack2", permissions: v1.permissions });
    expect(planChange(update(renamed)).blocked.map((b) => b.code)).toEqual(["MANIFEST_INVALID"]);
  });

  it("an invalid rollout request is blocked with pointers under /rollout", () => {
    const plan = planChange(
      update(manifest("1.1.0"), { rollout: { strategy: "canary", steps: [{ nodes: 1, hold: "soon" }] } }),
    );
    expect(plan.rollout).toBeNull();
    expect(plan.blocked).toContainEqual(
      expect.objectContaining({
        code: "VALIDATION_FAILED",
        errors: [expect.objectContaining({ path: "/rollout/steps/0/hold" })],
      }),
    );
  });

  it("an older version is VERSION_NOT_NEWER unless the request allows a downgrade", () => {
    // 0.9.0 also leaves alerts' ^1.0.0: the plan says so at once, where the job stops at the first.
    const older = manifest("0.9.0", { permissions: v1.permissions });
    expect(planChange(update(older)).blocked.map((b) => b.code)).toEqual([
      "DEPENDENCY_VERSION",
      "VERSION_NOT_NEWER",
    ]);
    expect(
      planChange(update(older, { request: { allowDowngrade: true } })).blocked.map((b) => b.code),
    ).toEqual(["DEPENDENCY_VERSION"]);
  });
});

describe("planChange: already applied, stored versions, host paths, earlier failures", () => {
  const same = manifest("1.0.0", { configSchema: v1.configSchema, permissions: v1.permissions });
  const installedWithSum: PlannedPlugin = { ...current, checksum: "a".repeat(64) };

  it("the same version and bytes: not blocked, and the job would change nothing", () => {
    const plan = planChange(update(same, { current: installedWithSum, nextChecksum: "a".repeat(64) }));
    expect(plan.blocked).toEqual([]);
    expect(plan.changed).toBe(false);
  });

  it("the same version with other bytes is VERSION_NOT_NEWER; a stored version must keep its bytes", () => {
    const plan = planChange(update(same, { current: installedWithSum, nextChecksum: "b".repeat(64) }));
    expect(plan.blocked.map((b) => b.code)).toEqual(["VERSION_NOT_NEWER"]);
    expect(plan).not.toHaveProperty("changed");
    const stored = planChange(
      update(manifest("1.2.0", { permissions: v1.permissions }), {
        current: installedWithSum,
        nextChecksum: "b".repeat(64),
        retained: { checksum: "c".repeat(64) },
        request: { allowDowngrade: true },
      }),
    );
    expect(stored.blocked.map((b) => b.message)).toEqual([expect.stringMatching(/already stored/)]);
  });

  it("host paths outside runtime.allowed_host_paths are MANIFEST_INVALID, as the job's check", () => {
    const next = manifest("1.1.0", {
      permissions: { ...v1.permissions, fs: { read: ["/etc/secrets"] } },
    });
    const refused = planChange(
      update(next, { request: { acceptPermissions: true, requestedRole: "admin" } }),
    );
    expect(refused.blocked.map((b) => b.code)).toEqual(["MANIFEST_INVALID"]);
    const allowed = planChange(
      update(next, {
        allowedHostPaths: ["/etc/secrets"],
        request: { acceptPermissions: true, requestedRole: "admin" },
      }),
    );
    expect(allowed.blocked).toEqual([]);
  });

  it("what failed before the rules comes first", () => {
    const plan = planChange({
      type: "rollback",
      current,
      installed,
      platformVersion: "2.4.0",
      liveNodes: [],
      earlier: [{ code: "VERSION_NOT_FOUND", message: "version 0.1.0 is not retained" }],
    });
    expect(plan.blocked.map((b) => b.code)).toEqual(["VERSION_NOT_FOUND"]);
  });

  it("a rollback target's stored signature is checked after the compatibility rules, as the job does", () => {
    const plan = planChange({
      type: "rollback",
      current,
      next: manifest("0.9.0", { minVersion: "9.0.0", permissions: v1.permissions }),
      installed,
      platformVersion: "2.4.0",
      liveNodes: [],
      storedSignature: { code: "SIGNATURE_MISSING", message: "slack@0.9.0 has no stored signature" },
    });
    expect(plan.blocked.map((b) => b.code)).toEqual([
      "PLATFORM_VERSION_UNSUPPORTED",
      "DEPENDENCY_VERSION",
      "SIGNATURE_MISSING",
    ]);
  });

  it("enable of an enabled plugin and a rollback to the installed version change nothing", () => {
    const enabled = { ...installedWithSum, isEnabled: PluginStatus.Enabled };
    const base = { installed, platformVersion: "2.4.0", liveNodes: [] as string[] };
    expect(planChange({ ...base, type: "enable", current: enabled }).changed).toBe(false);
    expect(planChange({ ...base, type: "enable", current: { ...enabled, isEnabled: 0 } })).not.toHaveProperty(
      "changed",
    );
    const rollback = planChange({
      ...base,
      type: "rollback",
      current: enabled,
      next: same,
      nextChecksum: "a".repeat(64),
    });
    expect(rollback.changed).toBe(false);
    expect(
      planChange({ ...base, type: "disable", current: { ...enabled, isEnabled: PluginStatus.Disabled } })
        .changed,
    ).toBe(false);
  });

  it("without a rollout in the request, the new manifest's default rollout applies", () => {
    const next = manifest("1.1.0", { permissions: v1.permissions, rollout: { strategy: "two-phase" } });
    expect(planChange(update(next)).rollout?.strategy).toBe("two-phase");
    expect(planChange(update(next, { rollout: { strategy: "all-at-once" } })).rollout?.strategy).toBe(
      "all-at-once",
    );
    // Then the config's rollout.default_strategy; anything but a version change goes at once.
    const plain = manifest("1.1.0", { permissions: v1.permissions });
    expect(planChange(update(plain, { defaultStrategy: "canary" })).rollout?.strategy).toBe("canary");
    expect(planChange(update(next, { defaultStrategy: "canary" })).rollout?.strategy).toBe("two-phase");
  });
});

describe("planChange: other changes", () => {
  it("install: unmet dependencies and every permission as new", () => {
    const plan = planChange({
      type: "install",
      current: null,
      next: manifest("1.0.0", {
        name: "pager",
        dependencies: [{ name: "sms", version: "^2.0.0" }],
        permissions: { process: true },
      }),
      installed,
      platformVersion: "2.4.0",
      liveNodes: ["n1"],
    });
    expect(plan.dependencies.unmet).toEqual([
      { name: "sms", version: "^2.0.0", installed: null, reason: "not-installed" },
    ]);
    expect(plan.permissions).toMatchObject({ added: ["process"], escalated: false });
    expect(plan.blocked.map((b) => b.code)).toEqual(["DEPENDENCY_MISSING", "FORBIDDEN"]);
    expect(plan.rollout?.steps[0]?.nodes).toEqual([{ nodeId: "n1", serves: { "1.0.0": 100 } }]);
  });

  it("disable: the cascade, refused without cascade=true; every node stops serving", () => {
    const input: PlanInput = {
      type: "disable",
      current,
      installed,
      platformVersion: "2.4.0",
      liveNodes: ["n1", "n2"],
    };
    const refused = planChange(input);
    expect(refused.dependencies.cascade.map((d) => d.name)).toEqual(["alerts"]);
    expect(refused.blocked.map((b) => b.code)).toEqual(["DEPENDENTS_EXIST"]);
    const cascaded = planChange({ ...input, request: { cascade: true } });
    expect(cascaded.blocked).toEqual([]);
    const busy = planChange({ ...input, request: { cascade: true }, busy: { plugin_alerts: "job-9" } });
    expect(busy.blocked.map((b) => b.code)).toEqual(["OPERATION_IN_PROGRESS"]);
    expect(cascaded.rollout?.steps[0]?.nodes).toEqual([
      { nodeId: "n1", serves: {} },
      { nodeId: "n2", serves: {} },
    ]);
  });

  it("configure: the keys of the new config the schema refuses", () => {
    const plan = planChange({
      type: "configure",
      current,
      installed,
      platformVersion: "2.4.0",
      liveNodes: [],
      request: { config: { url: 42 } },
    });
    expect(plan.config?.invalidKeys).toEqual(["url"]);
    expect(plan.blocked.map((b) => b.code)).toEqual(["CONFIG_INVALID"]);
  });

  it("install: a name already taken (in any case) is PLUGIN_EXISTS", () => {
    const plan = planChange({
      type: "install",
      current: null,
      next: manifest("2.0.0", { name: "Slack" }),
      installed,
      platformVersion: "2.4.0",
      liveNodes: [],
    });
    expect(plan.blocked.map((b) => b.code)).toEqual(["PLUGIN_EXISTS"]);
  });

  it("anything but install needs the plugin", () => {
    const plan = planChange({
      type: "enable",
      current: null,
      installed,
      platformVersion: "2.4.0",
      liveNodes: [],
    });
    expect(plan.blocked.map((b) => b.code)).toEqual(["PLUGIN_NOT_FOUND"]);
  });

  it("is a pure function of its inputs: the same inputs, the same plan", () => {
    const input = update(manifest("1.1.0"), { rollout: { strategy: "canary" }, seed: "plugin_slack_1" });
    expect(planChange(input)).toEqual(planChange(structuredClone(input)));
  });
});
