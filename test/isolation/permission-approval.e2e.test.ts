import { createHash, randomBytes } from "node:crypto";
import type { JobResource, PluginVersionResource } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { buildPluginZip, usePlatform } from "../harness/index.js";
import { missingForRuntime, preferredBackends, suiteName } from "../runtime/backends.js";
import { uploadAndWait } from "../runtime/node-api.js";

// Issue 11: permissions are approved, and escalation is explicit. Installing a plugin that
// asks for network, process or host paths takes an admin; an update that asks for more than
// the installed version has fails with PERMISSIONS_ESCALATED (listing the new grants) unless
// the request says acceptPermissions=true; the job and the version row record who approved.
const missing = missingForRuntime();
const OPERATOR = randomBytes(16).toString("hex");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function zip(version: string, permissions: Record<string, unknown>) {
  return buildPluginZip({ name: "approved-hook", version, manifest: { permissions } });
}

describe.skipIf(missing.length > 0)(
  suiteName("isolation: permission approval and escalation", missing),
  () => {
    const platform = usePlatform({
      apis: 1,
      workers: 1,
      ...preferredBackends(),
      label: "iso-approve",
      env: {
        ARCADE_AUTH_TOKENS: JSON.stringify([
          { name: "e2e-operator", role: "operator", token_sha256: sha256(OPERATOR) },
        ]),
        ARCADE_RUNTIME_ALLOWED_HOST_PATHS: "/etc/ssl",
      },
    });
    let pluginId = "";

    async function versions(): Promise<PluginVersionResource[]> {
      const res = await platform().call<PluginVersionResource[] | { items: PluginVersionResource[] }>(
        "GET",
        `/api/v1/plugins/${pluginId}/versions`,
      );
      expect(res.status, res.text).toBe(200);
      return Array.isArray(res.body) ? res.body : res.body.items;
    }

    it("an operator cannot install a plugin that asks for network access; an admin can", async () => {
      const p = platform();
      const v1 = await zip("1.0.0", { network: { hosts: ["hooks.example.com:443"] } });
      const refused = await p.installZip(v1, { headers: { authorization: `Bearer ${OPERATOR}` } });
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body).toMatchObject({ code: "FORBIDDEN" });
      const job = await uploadAndWait(p, v1);
      pluginId = job.pluginId;
      expect(job.requestedBy).toBe("bootstrap");
      expect(job.result).toMatchObject({
        permissionsApproval: { approvedBy: "bootstrap", granted: ["network.hosts hooks.example.com:443"] },
      });
      expect((await versions()).find((v) => v.version === "1.0.0")).toMatchObject({
        permissions: { network: { hosts: ["hooks.example.com:443"], raw: false } },
        permissionsApprovedBy: "bootstrap",
      });
    });

    it("an update asking for more fails with PERMISSIONS_ESCALATED listing the new grants, and changes nothing", async () => {
      const p = platform();
      const v2 = await zip("2.0.0", {
        network: { hosts: ["hooks.example.com:443", "api.example.com:443"] },
        env: ["HTTP_PROXY"],
        fs: { read: ["/etc/ssl/certs"] },
      });
      const res = await p.updateZip(pluginId, v2);
      expect(res.status, res.text).toBe(202);
      const job = await p.waitJob(res.body.jobId);
      expect(job.state).toBe("failed");
      expect(job.error?.code).toBe("PERMISSIONS_ESCALATED");
      expect(job.error?.errors?.map((e) => e.message).sort()).toEqual(
        [
          "new: env HTTP_PROXY",
          "new: fs.read /etc/ssl/certs",
          "new: network.hosts api.example.com:443",
        ].sort(),
      );
      const detail = await p.call<{ version: string }>("GET", `/api/v1/plugins/${pluginId}`);
      expect(detail.body.version).toBe("1.0.0");
    });

    it("the same update with acceptPermissions=true succeeds and records who approved what", async () => {
      const p = platform();
      const v2 = await zip("2.0.0", {
        network: { hosts: ["hooks.example.com:443", "api.example.com:443"] },
        env: ["HTTP_PROXY"],
        fs: { read: ["/etc/ssl/certs"] },
      });
      const res = await p.updateZip(pluginId, v2, { fields: { acceptPermissions: "true" } });
      const job: JobResource = await p.waitJob(res.body.jobId);
      expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
      expect((job.result as Record<string, unknown>).permissionsApproval).toEqual({
        approvedBy: "bootstrap",
        granted: ["network.hosts api.example.com:443", "fs.read /etc/ssl/certs", "env HTTP_PROXY"],
      });
      const row = (await versions()).find((v) => v.version === "2.0.0");
      expect(row?.permissionsApprovedBy).toBe("bootstrap");
      expect(row?.permissions.env).toEqual(["HTTP_PROXY"]);
    });

    it("an update asking for less (or the same) needs no acceptance", async () => {
      const p = platform();
      const job = await uploadAndWait(
        p,
        await zip("3.0.0", { network: { hosts: ["api.example.com:443"] } }),
        {
          pluginId,
        },
      );
      expect(job.result).toMatchObject({ permissionsApproval: { granted: [] } });
    });

    it("host paths outside runtime.allowed_host_paths are refused, at validation and at install", async () => {
      const p = platform();
      const manifest = {
        name: "host-path",
        version: "1.0.0",
        pluginType: "custom",
        entryPoint: "index.mjs",
        permissions: { fs: { read: ["/etc/ssl/certs", "templates"], write: ["/var/lib/elsewhere"] } },
      };
      const validated = await p.call<{
        valid: boolean;
        errors: { path: string }[];
        permissions: unknown;
        needsAdmin: string[];
      }>("POST", "/api/v1/plugins/validate-manifest", manifest);
      expect(validated.status, validated.text).toBe(200);
      expect(validated.body.valid).toBe(false);
      expect(validated.body.errors.map((e) => e.path)).toEqual(["/permissions/fs/write/0"]);
      expect(validated.body.needsAdmin).toEqual(["fs.read /etc/ssl/certs", "fs.write /var/lib/elsewhere"]);
      const ok = await p.call<{ valid: boolean; permissions: { fs: unknown } }>(
        "POST",
        "/api/v1/plugins/validate-manifest",
        {
          ...manifest,
          permissions: { fs: { read: ["/etc/ssl/certs"] } },
        },
      );
      expect(ok.body).toMatchObject({
        valid: true,
        permissions: { fs: { read: ["/etc/ssl/certs"], write: [] } },
      });

      const res = await p.installZip(
        await buildPluginZip({ name: "host-path", manifest: { permissions: manifest.permissions } }),
      );
      const job = await p.waitJob(res.body.jobId);
      expect(job.state).toBe("failed");
      expect(job.error?.code).toBe("MANIFEST_INVALID");
      expect(job.error?.errors?.map((e) => e.path)).toEqual(["/permissions/fs/write/0"]);
    });
  },
);
