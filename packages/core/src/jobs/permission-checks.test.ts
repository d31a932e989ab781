import type { JobPayloads, Manifest } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { normalizePermissions } from "../permissions/index.js";
import type { PluginRecord, PluginVersionRecord } from "../ports/plugin-repo.js";
import { checkPermissions, checkRollbackPermissions } from "./permission-checks.js";
import type { JobServices } from "./services.js";

const base: Manifest = { name: "hook", version: "1.0.0", pluginType: "custom", entryPoint: "index.mjs" };

function services(stored: PluginVersionRecord | null = null, allowedHostPaths: string[] = []): JobServices {
  return {
    plugins: { getVersion: async () => stored },
    settings: { allowedHostPaths },
  } as unknown as JobServices;
}

const installed = { pluginId: "plugin_hook_abc123", version: "1.0.0", manifest: base } as PluginRecord;

function install(role: "viewer" | "operator" | "admin" | undefined): JobPayloads["install"] {
  return {
    requestedBy: "someone",
    ...(role ? { requestedRole: role } : {}),
    artifact: { source: "market", marketId: "x" },
  };
}

function update(role: "operator" | "admin" | undefined, acceptPermissions?: boolean): JobPayloads["update"] {
  return {
    requestedBy: "someone",
    pluginId: installed.pluginId,
    ...(role ? { requestedRole: role } : {}),
    ...(acceptPermissions ? { acceptPermissions } : {}),
    artifact: { source: "market", marketId: "x" },
  };
}

const network: Manifest = { ...base, permissions: { network: { hosts: ["hooks.slack.com:443"] } } };

describe("checkPermissions", () => {
  it("install: network, process and host paths need the admin role; env does not", async () => {
    await expect(checkPermissions(services(), network, install("operator"), null)).rejects.toMatchObject({
      code: "FORBIDDEN",
      extras: { permissions: ["network.hosts hooks.slack.com:443"] },
    });
    await expect(
      checkPermissions(services(), { ...base, permissions: { process: true } }, install(undefined), null),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const env = { ...base, permissions: { env: ["HTTP_PROXY"] } };
    expect(await checkPermissions(services(), env, install("operator"), null)).toMatchObject({
      granted: ["env HTTP_PROXY"],
      approvedBy: "someone",
    });
    expect(await checkPermissions(services(), network, install("admin"), null)).toEqual({
      permissions: normalizePermissions(network.permissions),
      approvedBy: "someone",
      granted: ["network.hosts hooks.slack.com:443"],
    });
  });

  it("update: more than the installed version has is PERMISSIONS_ESCALATED unless accepted", async () => {
    const error = await checkPermissions(services(), network, update("admin"), installed).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "PERMISSIONS_ESCALATED",
      extras: { newPermissions: ["network.hosts hooks.slack.com:443"] },
      errors: [{ path: "/permissions", message: "new: network.hosts hooks.slack.com:443" }],
    });
    expect(await checkPermissions(services(), network, update("admin", true), installed)).toMatchObject({
      granted: ["network.hosts hooks.slack.com:443"],
    });
    // Accepting is not enough without the role an admin-only grant needs (an automatic update has none).
    await expect(
      checkPermissions(services(), network, update(undefined, true), installed),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("update: compares with the permissions stored for the installed version", async () => {
    const stored = {
      permissions: normalizePermissions({ network: { hosts: ["*.slack.com:443"] } }),
    } as PluginVersionRecord;
    // Same or narrower: nothing to accept, and no role needed (an automatic update may do it).
    expect(await checkPermissions(services(stored), network, update(undefined), installed)).toMatchObject({
      granted: [],
    });
  });

  it("host paths must lie inside runtime.allowed_host_paths, also on rollback", async () => {
    const paths: Manifest = { ...base, permissions: { fs: { read: ["/etc/ssl/certs"] } } };
    await expect(checkPermissions(services(), paths, install("admin"), null)).rejects.toMatchObject({
      code: "MANIFEST_INVALID",
      errors: [{ path: "/permissions/fs/read/0" }],
    });
    expect(await checkPermissions(services(null, ["/etc/ssl"]), paths, install("admin"), null)).toMatchObject(
      {
        granted: ["fs.read /etc/ssl/certs"],
      },
    );
    expect(() => checkRollbackPermissions(services(), paths)).toThrow(/host paths/);
  });
});
