import { SignaturePolicy, type SignatureSettings } from "@arcade/core";
import type { DesiredPlugin } from "@arcade/runtime";

/**
 * The check a node makes before it loads any version: the signature and key id stored
 * with the version, against THIS node's own [signature] settings (trusted and revoked
 * keys, require_signature), over the stored SHA-256 that the artifact cache then checks
 * the bytes against. So a key revoked in one node's config stops its versions loading
 * on that node, and a row whose checksum or signature was changed in the database loads
 * nowhere. Throws AppError KEY_REVOKED, KEY_UNTRUSTED, SIGNATURE_INVALID or SIGNATURE_MISSING.
 */
export function signatureGate(settings: SignatureSettings): (plugin: DesiredPlugin) => void {
  const policy = new SignaturePolicy(settings);
  return (plugin) => {
    policy.checkStored({
      pluginId: plugin.pluginId,
      version: plugin.version,
      sha256: plugin.checksum,
      signature: plugin.signature ?? null,
    });
  };
}
