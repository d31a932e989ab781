export {
  decryptConfigSecrets,
  encryptConfigSecrets,
  rewrapConfigSecrets,
  secretKeyUsage,
} from "./config-secrets.js";
export { KEY_BYTES, Keyring, type KeyringKey, type KeyringOptions } from "./keyring.js";
export {
  CIPHERTEXT_PREFIX,
  isEncryptedSecret,
  keyIdOf,
  SecretCipher,
  type SecretContext,
} from "./secret-cipher.js";
