import type { KeyObject } from "node:crypto";
import type { PluginSource } from "@arcade/contracts";
import { AppError } from "../errors/app-error.js";
import { parseEd25519PublicKey, verifySha256Hex } from "./ed25519.js";
import type { ArtifactSignature } from "./signature-file.js";

/** `[signature]` of the config: who the platform trusts, and when it insists on a signature. */
export interface SignatureSettings {
  /** Local uploads must be signed too (market installs always must). */
  requireSignature: boolean;
  /** Public keys: SPKI PEM, or 32 raw bytes in base64. */
  trustedKeys: readonly { id: string; publicKey: string }[];
  revokedKeys: readonly string[];
}

export interface SignatureSubject {
  source: PluginSource;
  /** The SHA-256 the platform computed over the artifact itself (never one it was told). */
  sha256: string;
  signature: ArtifactSignature | null;
}

/** A version as stored (t_plugin_version): its checksum and the signature verified when it was installed. */
export interface StoredSignatureSubject {
  pluginId: string;
  version: string;
  /** The stored SHA-256; the artifact cache checks the bytes against it before they load. */
  sha256: string;
  signature: ArtifactSignature | null;
}

const HOW_TO_TRUST =
  "Trust the publisher's key in [[signature.trusted_keys]] (id and public_key), as `arcade-plugin keygen` prints it.";

/**
 * Decides whether an artifact may be installed, given its signature.
 * - market installs must carry a signature by a trusted, unrevoked key;
 * - local uploads must too when `requireSignature` is on;
 * - a signature that is present is always checked: a bad one is never ignored.
 * Revocation is checked before trust, so a key that is both is reported revoked.
 */
export class SignaturePolicy {
  private readonly trusted: ReadonlyMap<string, KeyObject>;
  private readonly revoked: ReadonlySet<string>;

  constructor(private readonly settings: SignatureSettings) {
    const trusted = new Map<string, KeyObject>();
    for (const key of settings.trustedKeys) {
      const parsed = parseEd25519PublicKey(key.publicKey);
      // Config loading already rejects such a key: reaching this is a wiring bug.
      if (!parsed) throw new Error(`trusted key ${key.id} is not an Ed25519 public key`);
      trusted.set(key.id, parsed);
    }
    this.trusted = trusted;
    this.revoked = new Set(settings.revokedKeys);
  }

  /** Whether an artifact from `source` without a signature is refused. */
  requiresSignature(source: PluginSource): boolean {
    return source === "market" || this.settings.requireSignature;
  }

  /**
   * Returns the id of the key whose signature was verified, or null for an
   * unsigned artifact the policy lets through. Throws AppError SIGNATURE_MISSING,
   * KEY_REVOKED, KEY_UNTRUSTED or SIGNATURE_INVALID.
   */
  check(subject: SignatureSubject): string | null {
    const { signature } = subject;
    if (!signature) {
      if (!this.requiresSignature(subject.source)) return null;
      throw new AppError(
        "SIGNATURE_MISSING",
        subject.source === "market"
          ? "the market published this artifact without a signature"
          : "this platform requires signed uploads and the artifact has no signature",
        {
          detail:
            subject.source === "market"
              ? "Market installs must be signed by a trusted publisher key; ask the market to sign it."
              : "Sign it with `arcade-plugin pack <dir> --sign <key.pem>` and send the .sig.json with the upload.",
        },
      );
    }
    return this.verify(subject.sha256, signature);
  }

  /**
   * For a version already stored (a load on a node, a rollback): the signature and key
   * id kept with the version, checked against THIS process's trusted and revoked keys.
   * Unsigned versions pass only while `requireSignature` is off, whatever their source:
   * whoever can write the database can also change a row's source. Returns the key id,
   * or null for an unsigned version that may load; throws like `check`.
   */
  checkStored(subject: StoredSignatureSubject): string | null {
    const what = `${subject.pluginId}@${subject.version}`;
    if (!subject.signature) {
      if (!this.settings.requireSignature) return null;
      throw new AppError("SIGNATURE_MISSING", `${what} has no stored signature and this node requires one`, {
        detail:
          "Update the plugin to a build signed with a trusted key (`arcade-plugin pack <dir> --sign <key.pem>`), or set signature.require_signature = false on this node.",
      });
    }
    try {
      return this.verify(subject.sha256, subject.signature);
    } catch (error) {
      if (error instanceof AppError) {
        throw new AppError(error.code, `${what}: ${error.message}`, {
          ...(error.detail === undefined ? {} : { detail: error.detail }),
          extras: { ...error.extras, pluginId: subject.pluginId, version: subject.version },
        });
      }
      throw error;
    }
  }

  private verify(sha256: string, signature: ArtifactSignature): string {
    const keyId = signature.keyId;
    if (this.revoked.has(keyId)) {
      throw new AppError("KEY_REVOKED", `the artifact is signed with key ${keyId}, which is revoked`, {
        detail: "Get a build signed with a current key of the publisher.",
        extras: { keyId },
      });
    }
    const key = this.trusted.get(keyId);
    if (!key) {
      throw new AppError("KEY_UNTRUSTED", `the artifact is signed with key ${keyId}, which is not trusted`, {
        detail: HOW_TO_TRUST,
        extras: { keyId },
      });
    }
    if (signature.algorithm !== undefined && signature.algorithm !== "ed25519") {
      throw new AppError("SIGNATURE_INVALID", `signature algorithm "${signature.algorithm}" is not ed25519`, {
        extras: { keyId },
      });
    }
    if (!verifySha256Hex(sha256, signature.signature, key)) {
      throw new AppError(
        "SIGNATURE_INVALID",
        `the signature by key ${keyId} does not match the artifact (SHA-256 ${sha256})`,
        {
          detail: "The artifact was changed after signing, or it was signed with another key of that id.",
          extras: { keyId },
        },
      );
    }
    return keyId;
  }
}
