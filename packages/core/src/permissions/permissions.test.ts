import { describe, expect, it } from "vitest";
import { validateManifest } from "../manifest/validate-manifest.js";
import {
  adminOnlyPermissions,
  describePermissions,
  hostAllowed,
  hostPathProblems,
  normalizePermissions,
  permissionsBeyond,
} from "./index.js";

const base = { name: "hook", version: "1.0.0", pluginType: "notify", entryPoint: "index.js" } as const;

function errorsFor(permissions: unknown) {
  return validateManifest({ ...base, permissions }).errors;
}

describe("manifest permissions: validation", () => {
  it("accepts a full block and no block", () => {
    expect(validateManifest(base).valid).toBe(true);
    const full = {
      fs: { read: ["templates", "assets/", "/etc/ssl/certs"], write: ["cache", "/var/spool/arcade"] },
      network: { hosts: ["hooks.slack.com:443", "*.example.com:8443", "127.0.0.1:9000", "[::1]:80"] },
      process: false,
      env: ["HTTP_PROXY", "no_proxy"],
    };
    expect(errorsFor(full)).toEqual([]);
    expect(errorsFor({ network: false })).toEqual([]);
  });

  it("reports each bad entry with its pointer", () => {
    const errors = errorsFor({
      fs: { read: ["../other", "/etc/../root", "/"], write: ["a//b", "/tmp/*"] },
      network: { hosts: ["hooks.slack.com", "x:0", "::1:80", "*.com:443", "a_b.example:80", "[zz]:1"] },
      env: ["ARCADE_ADMIN_TOKEN", "NODE_OPTIONS", "1BAD"],
      extra: true,
    });
    const paths = errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/permissions/fs/read/0",
        "/permissions/fs/read/1",
        "/permissions/fs/read/2",
        "/permissions/fs/write/0",
        "/permissions/fs/write/1",
        "/permissions/network/hosts/0",
        "/permissions/network/hosts/1",
        "/permissions/network/hosts/2",
        "/permissions/network/hosts/3",
        "/permissions/network/hosts/4",
        "/permissions/network/hosts/5",
        "/permissions/env/0",
        "/permissions/env/1",
        "/permissions/env/2",
      ]),
    );
    expect(errors.find((e) => e.path === "/permissions/network/hosts/0")?.message).toMatch(
      /port is required/,
    );
    expect(errors.find((e) => e.path === "/permissions/env/0")?.message).toMatch(/reserved/);
    expect(paths.some((p) => p.startsWith("/permissions"))).toBe(true);
  });

  it("refuses network: true (raw access is spelled out)", () => {
    expect(errorsFor({ network: true }).length).toBeGreaterThan(0);
  });
});

describe("normalizePermissions", () => {
  it("spells every part out, sorted and unique", () => {
    expect(normalizePermissions(undefined)).toEqual({
      fs: { read: [], write: [] },
      network: { hosts: [], raw: false },
      process: false,
      env: [],
    });
    expect(
      normalizePermissions({
        fs: { read: ["b/", "a", "a"] },
        network: { hosts: ["Hooks.Slack.com:443", "[::1]:80", "hooks.slack.com:443"] },
        env: ["B", "A"],
      }),
    ).toEqual({
      fs: { read: ["a", "b"], write: [] },
      network: { hosts: ["[::1]:80", "hooks.slack.com:443"], raw: false },
      process: false,
      env: ["A", "B"],
    });
  });
});

describe("hostAllowed", () => {
  const declared = ["hooks.slack.com:443", "*.example.com:8443", "127.0.0.1:9000", "[::1]:80"];
  it.each([
    ["hooks.slack.com", 443, true],
    ["HOOKS.slack.com", 443, true],
    ["hooks.slack.com", 80, false],
    ["evil.com", 443, false],
    ["a.example.com", 8443, true],
    ["a.b.example.com", 8443, true],
    ["example.com", 8443, false],
    ["badexample.com", 8443, false],
    ["127.0.0.1", 9000, true],
    ["127.0.0.1", 6390, false],
    ["::1", 80, true],
    ["[::1]", 80, true],
  ] as const)("%s:%s -> %s", (host, port, expected) => {
    expect(hostAllowed(declared, host, port)).toBe(expected);
  });
});

describe("permissionsBeyond (escalation)", () => {
  const current = normalizePermissions({
    fs: { read: ["/etc/ssl"], write: ["/var/spool/x"] },
    network: { hosts: ["*.slack.com:443"] },
    env: ["HTTP_PROXY"],
  });

  it("is empty for the same or fewer permissions", () => {
    expect(permissionsBeyond(current, current)).toEqual([]);
    expect(permissionsBeyond(normalizePermissions(undefined), current)).toEqual([]);
    const narrower = normalizePermissions({
      fs: { read: ["/etc/ssl/certs", "/var/spool/x/in", "templates"], write: ["/var/spool/x/out", "cache"] },
      network: { hosts: ["hooks.slack.com:443"] },
    });
    expect(permissionsBeyond(narrower, current)).toEqual([]);
  });

  it("lists every new grant", () => {
    const next = normalizePermissions({
      fs: { read: ["/etc"], write: ["/etc/ssl"] },
      network: { hosts: ["hooks.slack.com:80", "api.github.com:443"], raw: true },
      process: true,
      env: ["HTTP_PROXY", "HTTPS_PROXY"],
    });
    expect(permissionsBeyond(next, current).sort()).toEqual(
      [
        "network.hosts api.github.com:443",
        "network.hosts hooks.slack.com:80",
        "network.raw",
        "process",
        "fs.read /etc",
        "fs.write /etc/ssl",
        "env HTTPS_PROXY",
      ].sort(),
    );
  });

  it("says which grants need an admin (not env, not the plugin's own folders)", () => {
    const p = normalizePermissions({
      fs: { read: ["templates"], write: ["cache"] },
      env: ["HTTP_PROXY"],
    });
    expect(adminOnlyPermissions(p)).toEqual([]);
    expect(describePermissions(p)).toEqual(["env HTTP_PROXY"]);
    expect(adminOnlyPermissions(current)).toEqual([
      "network.hosts *.slack.com:443",
      "fs.read /etc/ssl",
      "fs.write /var/spool/x",
    ]);
  });
});

describe("hostPathProblems (runtime.allowed_host_paths)", () => {
  const p = normalizePermissions({ fs: { read: ["/etc/ssl/certs", "templates"], write: ["/srv/out"] } });
  it("refuses every host path when none is allowed", () => {
    expect(hostPathProblems(p.fs, [])).toEqual([
      { path: "/permissions/fs/read/0", message: expect.stringMatching(/allows none/) },
      { path: "/permissions/fs/write/0", message: expect.stringMatching(/allows none/) },
    ]);
  });
  it("accepts paths inside an allowed root only", () => {
    expect(hostPathProblems(p.fs, ["/etc/ssl", "/srv/out"])).toEqual([]);
    expect(hostPathProblems(p.fs, ["/etc/ssl/certs/x", "/srv/output"]).map((e) => e.path)).toEqual([
      "/permissions/fs/read/0",
      "/permissions/fs/write/0",
    ]);
  });
});
