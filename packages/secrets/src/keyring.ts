import { createSecretKey, type KeyObject } from "node:crypto";
import { AppError } from "@arcade/core";

/** Key ids appear in every ciphertext (`arcade:enc:v1:<id>:...`): no `:`, short. */
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** AES-256. */
export const KEY_BYTES = 32;

/** One key-encryption key as the config gives it (structurally @arcade/config's SecretKey). */
export interface KeyringKey {
  id: string;
  secret: Uint8Array;
}

/** What a keyring is built from (structurally @arcade/config's SecretsConfig). */
export interface KeyringOptions {
  keys: readonly KeyringKey[];
  /** Id of the key new values are encrypted with; "" for none (then nothing can be encrypted). */
  activeKey: string;
}

/**
 * The key-encryption keys (KEKs) of config secrets, by id, and which one is active.
 * Keys are held as KeyObjects: the bytes are not on the JavaScript heap, and a logged or
 * inspected keyring shows no key material.
 */
export class Keyring {
  readonly #keys = new Map<string, KeyObject>();
  readonly #active: string;

  constructor(options: KeyringOptions) {
    for (const { id, secret } of options.keys) {
      if (!KEY_ID.test(id))
        throw new TypeError(`secret key id "${id.slice(0, 70)}" is not 1 to 64 of A-Z a-z 0-9 _ . -`);
      if (secret.length !== KEY_BYTES)
        throw new TypeError(`secret key "${id}" is ${secret.length} bytes, not ${KEY_BYTES}`);
      if (this.#keys.has(id)) throw new TypeError(`secret key id "${id}" is listed twice`);
      this.#keys.set(id, createSecretKey(secret));
    }
    if (options.activeKey !== "" && !this.#keys.has(options.activeKey)) {
      throw new TypeError(`the active secret key "${options.activeKey}" is not among the keys`);
    }
    this.#active = options.activeKey;
  }

  /** Id of the key new values are encrypted with; "" when none is configured. */
  get activeKeyId(): string {
    return this.#active;
  }

  /** Every key id held, the retired-but-still-listed ones too. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Whether new values can be encrypted (a key is active). */
  get canEncrypt(): boolean {
    return this.#active !== "";
  }

  /** The active key; SECRET_KEY_UNKNOWN when none is configured. */
  active(): { id: string; key: KeyObject } {
    if (this.#active === "") {
      throw new AppError(
        "SECRET_KEY_UNKNOWN",
        "no secret key is active: set secrets.keys and secrets.active_key",
        {
          detail:
            "Config secrets are encrypted at rest; the platform needs a key to do that (docs/secrets.md).",
        },
      );
    }
    return { id: this.#active, key: this.#keys.get(this.#active)! };
  }

  /** The key with this id; SECRET_KEY_UNKNOWN when the keyring does not hold it (retired too early?). */
  get(id: string): KeyObject {
    const key = this.#keys.get(id);
    if (!key) {
      throw new AppError(
        "SECRET_KEY_UNKNOWN",
        `a stored secret was encrypted with key "${id.slice(0, 64)}", which is not configured`,
        {
          detail: `Add the key "${id.slice(0, 64)}" back to secrets.keys (or the keys file): a key may be removed only after every value is rewrapped (docs/secrets.md).`,
          extras: { keyId: id.slice(0, 64) },
        },
      );
    }
    return key;
  }
}
