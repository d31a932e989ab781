import { afterEach, expect, it } from "vitest";
import { describeOnBackends, uniqueName } from "./testing/describe-backends.js";
import { detachedSignature, trusting } from "./testing/market-fixture.js";
import { newSigningKey } from "./testing/market-process.js";
import type { Pipeline } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

// Signatures kept with each version (issue 11): the worker stores the signature it verified,
// and checks it again, against its current keys, before a rollback.

const oldKey = newSigningKey();
const newKey = newSigningKey();

describeOnBackends("version signatures", { attempts: 3, backoffMs: 50 }, (pipeline) => {
  afterEach(() => {
    delete pipeline().services.signatures;
  });

  /** 1.0.0 signed with oldKey, then 1.1.0 signed with newKey (current). */
  async function twoSignedVersions(p: Pipeline): Promise<string> {
    p.services.signatures = trusting([oldKey, newKey]);
    const name = uniqueName("signed");
    const v1 = await pluginZip(manifestOf(name, "1.0.0"));
    const installed = await p.install(v1, { signature: detachedSignature(v1, oldKey) });
    expect(installed.error).toBeNull();
    const v2 = await pluginZip(manifestOf(name, "1.1.0"));
    const updated = await p.update(installed.pluginId!, v2, {
      staged: { signature: detachedSignature(v2, newKey) },
    });
    expect(updated.error).toBeNull();
    return installed.pluginId!;
  }

  it("stores the verified signature and its key id with each version; unsigned versions store none", async () => {
    const p = pipeline();
    const pluginId = await twoSignedVersions(p);
    const [v110, v100] = await p.database.plugins.versions(pluginId);
    expect(v100).toMatchObject({ version: "1.0.0", signatureKeyId: oldKey.keyId });
    expect(v110).toMatchObject({ version: "1.1.0", signatureKeyId: newKey.keyId });
    expect(v100!.signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(v100!.signature).not.toBe(v110!.signature);

    const unsigned = await p.install(await pluginZip(manifestOf(uniqueName("unsigned"), "1.0.0")));
    expect(unsigned.error).toBeNull();
    expect(await p.database.plugins.getVersion(unsigned.pluginId!, "1.0.0")).toMatchObject({
      signature: null,
      signatureKeyId: null,
    });
  });

  it("rollback to a version whose key was revoked since: KEY_REVOKED, nothing changes", async () => {
    const p = pipeline();
    const pluginId = await twoSignedVersions(p);
    const r0 = await p.database.plugins.currentRevision();

    p.services.signatures = trusting([oldKey, newKey], { revoked: [oldKey.keyId] });
    const refused = await p.apply("rollback", { pluginId, version: "1.0.0" });
    expect(refused.state).toBe("failed");
    expect(refused.error?.code).toBe("KEY_REVOKED");
    expect(refused.error?.message).toContain(`${pluginId}@1.0.0`);
    expect(refused.attempts).toBe(1);
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.1.0" });
    expect(await p.database.plugins.currentRevision()).toBe(r0);

    // With the key trusted again, the same rollback goes through.
    p.services.signatures = trusting([oldKey, newKey]);
    const done = await p.apply("rollback", { pluginId, version: "1.0.0" });
    expect(done.error).toBeNull();
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.0.0" });
  });

  it("rollback to a version whose stored signature was changed in the database: SIGNATURE_INVALID", async () => {
    const p = pipeline();
    const pluginId = await twoSignedVersions(p);
    const v100 = (await p.database.plugins.getVersion(pluginId, "1.0.0"))!;
    const v110 = (await p.database.plugins.getVersion(pluginId, "1.1.0"))!;
    // Someone with write access to the database swaps in another version's signature.
    await p.database.plugins.transaction((tx) =>
      tx.upsertVersion({ ...v100, signature: v110.signature!, signatureKeyId: v110.signatureKeyId! }),
    );
    const refused = await p.apply("rollback", { pluginId, version: "1.0.0" });
    expect(refused.error?.code).toBe("SIGNATURE_INVALID");
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.1.0" });
  });

  it("rollback to an unsigned version: allowed unless require_signature, then SIGNATURE_MISSING", async () => {
    const p = pipeline();
    const name = uniqueName("unsigned-roll");
    const installed = await p.install(await pluginZip(manifestOf(name, "1.0.0")));
    expect(installed.error).toBeNull();
    const pluginId = installed.pluginId!;
    expect((await p.update(pluginId, await pluginZip(manifestOf(name, "1.1.0")))).error).toBeNull();

    p.services.signatures = trusting([newKey], { requireSignature: true });
    const refused = await p.apply("rollback", { pluginId });
    expect(refused.error?.code).toBe("SIGNATURE_MISSING");
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.1.0" });

    p.services.signatures = trusting([newKey]);
    expect((await p.apply("rollback", { pluginId })).error).toBeNull();
    expect(await p.database.plugins.findById(pluginId)).toMatchObject({ version: "1.0.0" });
  });
});
