import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from "node:crypto";
import { AppError } from "@arcade/core";
import { KEY_BYTES, type Keyring } from "./keyring.js";

/**
 * Envelope encryption of one config value.
 *
 * Each value gets its own random data key (DEK, AES-256-GCM, random 96-bit nonce); the DEK is
 * wrapped (AES-256-GCM again) by the active key-encryption key (KEK) of the keyring. The result
 * is one self-describing string:
 *
 *     arcade:enc:v1:<keyId>:<base64url(wrapped DEK | nonce | ciphertext | tag)>
 *
 * Both encryptions carry additional authenticated data naming the plugin and the config field
 * (a JSON pointer), so a ciphertext copied to another plugin or another field does not decrypt.
 * The DEK's AAD also names the KEK id, so the id in the header cannot be swapped. Rotation
 * (rewrap) unwraps the DEK with its old KEK and wraps it with the active one: the value's own
 * ciphertext does not change.
 *
 * Values are JSON (a secret may be a number or an object), encrypted as their JSON text.
 */

export const CIPHERTEXT_PREFIX = "arcade:enc:v1:";

/** Which plugin's which config field a value belongs to: bound into the ciphertext. */
export interface SecretContext {
  pluginId: string;
  /** JSON pointer of the field in the plugin's config, e.g. "/slack/token". */
  field: string;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;
const MIN_BODY_BYTES = WRAPPED_BYTES + NONCE_BYTES + TAG_BYTES;
const CIPHERTEXT = /^arcade:enc:v1:([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9_-]+)$/;

/** Whether `value` has the shape of a ciphertext of this module (it may still not decrypt). */
export function isEncryptedSecret(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(CIPHERTEXT_PREFIX);
}

/** The KEK id a ciphertext names, or undefined when it is not one. */
export function keyIdOf(value: unknown): string | undefined {
  return typeof value === "string" ? CIPHERTEXT.exec(value)?.[1] : undefined;
}

// JSON arrays: unambiguous whatever characters the ids and the pointer hold.
function dataAad(context: SecretContext): Buffer {
  return Buffer.from(JSON.stringify(["arcade:enc:v1:value", context.pluginId, context.field]));
}
function wrapAad(keyId: string, context: SecretContext): Buffer {
  return Buffer.from(JSON.stringify(["arcade:enc:v1:dek", keyId, context.pluginId, context.field]));
}

function seal(key: KeyObject | Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** nonce | ciphertext | tag -> plaintext; throws on any mismatch (GCM authenticates everything). */
function open(key: KeyObject | Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

function failed(context: SecretContext, why: string, cause?: unknown): AppError {
  return new AppError(
    "SECRET_DECRYPT_FAILED",
    `the stored secret ${context.field} of plugin ${context.pluginId} cannot be decrypted: ${why}`,
    {
      detail:
        "It was changed, copied from another plugin or field, or is corrupt. Set the value again (PUT .../config).",
      extras: { field: context.field },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

interface Parsed {
  keyId: string;
  wrapped: Buffer;
  body: Buffer;
}

function parse(ciphertext: string, context: SecretContext): Parsed {
  const match = CIPHERTEXT.exec(ciphertext);
  if (!match) throw failed(context, `it is not an ${CIPHERTEXT_PREFIX} value`);
  const bytes = Buffer.from(match[2]!, "base64url");
  if (bytes.length < MIN_BODY_BYTES) throw failed(context, "it is too short");
  return { keyId: match[1]!, wrapped: bytes.subarray(0, WRAPPED_BYTES), body: bytes.subarray(WRAPPED_BYTES) };
}

function format(keyId: string, wrapped: Buffer, body: Buffer): string {
  return `${CIPHERTEXT_PREFIX}${keyId}:${Buffer.concat([wrapped, body]).toString("base64url")}`;
}

/** Encrypts, decrypts and rewraps config values with the keys of one keyring. */
export class SecretCipher {
  constructor(readonly keyring: Keyring) {}

  /** `value` (any JSON value) encrypted under the active key; SECRET_KEY_UNKNOWN when none is active. */
  encrypt(value: unknown, context: SecretContext): string {
    const { id, key } = this.keyring.active();
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError("a secret value must be JSON");
    const dek = randomBytes(KEY_BYTES);
    try {
      const body = seal(dek, Buffer.from(json, "utf8"), dataAad(context));
      return format(id, seal(key, dek, wrapAad(id, context)), body);
    } finally {
      dek.fill(0);
    }
  }

  /**
   * The value `ciphertext` holds. SECRET_KEY_UNKNOWN when its key is not configured;
   * SECRET_DECRYPT_FAILED when it was changed, belongs to another plugin or field, or is corrupt.
   */
  decrypt(ciphertext: string, context: SecretContext): unknown {
    const parsed = parse(ciphertext, context);
    const dek = this.#unwrap(parsed, context);
    try {
      let plaintext: Buffer;
      try {
        plaintext = open(dek, parsed.body, dataAad(context));
      } catch (error) {
        throw failed(context, "the value does not authenticate", error);
      }
      try {
        return JSON.parse(plaintext.toString("utf8")) as unknown;
      } catch (error) {
        throw failed(context, "the value is not JSON", error);
      }
    } finally {
      dek.fill(0);
    }
  }

  /** Whether `ciphertext` decrypts for this plugin and field (without returning the value). */
  verifies(ciphertext: string, context: SecretContext): boolean {
    try {
      this.decrypt(ciphertext, context);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether `ciphertext` is under a key other than the active one (and should be rewrapped). */
  needsRewrap(ciphertext: string): boolean {
    const keyId = keyIdOf(ciphertext);
    return keyId !== undefined && keyId !== this.keyring.activeKeyId;
  }

  /**
   * `ciphertext` under the active key: its data key is unwrapped with the old key and wrapped
   * with the active one; the value itself is checked, never re-encrypted. Unchanged when it is
   * already under the active key. The same errors as decrypt.
   */
  rewrap(ciphertext: string, context: SecretContext): string {
    const parsed = parse(ciphertext, context);
    const { id, key } = this.keyring.active();
    const dek = this.#unwrap(parsed, context);
    try {
      try {
        open(dek, parsed.body, dataAad(context));
      } catch (error) {
        throw failed(context, "the value does not authenticate", error);
      }
      if (parsed.keyId === id) return ciphertext;
      return format(id, seal(key, dek, wrapAad(id, context)), parsed.body);
    } finally {
      dek.fill(0);
    }
  }

  #unwrap(parsed: Parsed, context: SecretContext): Buffer {
    const kek = this.keyring.get(parsed.keyId);
    let dek: Buffer;
    try {
      dek = open(kek, parsed.wrapped, wrapAad(parsed.keyId, context));
    } catch (error) {
      throw failed(context, `its data key does not authenticate under key "${parsed.keyId}"`, error);
    }
    if (dek.length !== KEY_BYTES) throw failed(context, "its data key has the wrong size");
    return dek;
  }
}
