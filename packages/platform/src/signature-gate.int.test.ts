import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PluginStatus } from "@arcade/contracts";
import { type AppError, ed25519KeyId, newPluginRecord, signSha256Hex } from "@arcade/core";
import { type Database, openDatabase } from "@arcade/db";
import type { DesiredPlugin } from "@arcade/runtime";
import { desiredPluginsReader } from "@arcade/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signatureGate } from "./signature-gate.js";

const CHECKSUM = "c".repeat(64);
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const keyId = ed25519KeyId(publicKey);
const trustedKeys = [{ id: keyId, publicKey: publicKey.export({ type: "spki", format: "pem" }).toString() }];

function codeOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as AppError).code;
  }
}

describe("the signature gate of a node, on what the desired-plugins reader reads (real SQLite)", () => {
  let dir: string;
  let db: Database;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "arcade-gate-"));
    db = await openDatabase({ type: "sqlite", path: join(dir, "db.sqlite") });
    await db.migrate();
    for (const [pluginId, signed] of [
      ["plugin_signed_aaaaaa", true],
      ["plugin_plain_bbbbbb", false],
    ] as const) {
      const manifest = {
        name: pluginId,
        version: "1.0.0",
        pluginType: "custom" as const,
        entryPoint: "i.mjs",
      };
      await db.plugins.transaction(async (tx) => {
        await tx.insertPlugin(
          newPluginRecord({
            pluginId,
            manifest,
            checksum: CHECKSUM,
            source: "local",
            marketId: null,
            now: new Date(1_000),
            status: PluginStatus.Enabled,
          }),
        );
        await tx.upsertVersion({
          pluginId,
          version: "1.0.0",
          checksum: CHECKSUM,
          objectKey: `plugins/${pluginId}/1.0.0/${pluginId}_1.0.0.zip`,
          size: 10,
          manifest,
          createdAt: new Date(1_000),
          signature: signed ? signSha256Hex(CHECKSUM, privateKey) : null,
          signatureKeyId: signed ? keyId : null,
        });
      });
    }
  });

  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function desired(): Promise<Map<string, DesiredPlugin>> {
    return new Map((await desiredPluginsReader(db.plugins)()).map((d) => [d.pluginId, d]));
  }

  it("the reader carries the signature stored with the current version (null when unsigned)", async () => {
    const plugins = await desired();
    expect(plugins.get("plugin_signed_aaaaaa")?.signature).toEqual({
      keyId,
      signature: signSha256Hex(CHECKSUM, privateKey),
    });
    expect(plugins.get("plugin_plain_bbbbbb")?.signature).toBeNull();
  });

  it("each node decides with its own keys: trusted loads, revoked or unknown does not", async () => {
    const signed = (await desired()).get("plugin_signed_aaaaaa")!;
    expect(
      codeOf(() => signatureGate({ requireSignature: true, trustedKeys, revokedKeys: [] })(signed)),
    ).toBeNull();
    expect(
      codeOf(() => signatureGate({ requireSignature: false, trustedKeys, revokedKeys: [keyId] })(signed)),
    ).toBe("KEY_REVOKED");
    expect(
      codeOf(() => signatureGate({ requireSignature: false, trustedKeys: [], revokedKeys: [] })(signed)),
    ).toBe("KEY_UNTRUSTED");
  });

  it("an unsigned version passes only while require_signature is off", async () => {
    const plain = (await desired()).get("plugin_plain_bbbbbb")!;
    expect(
      codeOf(() => signatureGate({ requireSignature: false, trustedKeys, revokedKeys: [] })(plain)),
    ).toBeNull();
    expect(codeOf(() => signatureGate({ requireSignature: true, trustedKeys, revokedKeys: [] })(plain))).toBe(
      "SIGNATURE_MISSING",
    );
  });

  it("a signature or checksum changed in the database is refused as SIGNATURE_INVALID", async () => {
    const version = (await db.plugins.getVersion("plugin_signed_aaaaaa", "1.0.0"))!;
    await db.plugins.transaction(async (tx) => {
      await tx.upsertVersion({ ...version, signature: signSha256Hex("d".repeat(64), privateKey) });
      // configure moves updateTime: the reader reads the row again.
      await tx.updatePlugin("plugin_signed_aaaaaa", { updateTime: new Date(2_000) });
    });
    const tampered = (await desired()).get("plugin_signed_aaaaaa")!;
    expect(
      codeOf(() => signatureGate({ requireSignature: false, trustedKeys, revokedKeys: [] })(tampered)),
    ).toBe("SIGNATURE_INVALID");
  });
});
