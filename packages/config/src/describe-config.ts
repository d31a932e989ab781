import type { ArcadeConfig } from "./arcade-config.js";

export const REDACTED = "[redacted]";

/** `mysql://arcade:s3cret@db:3306/arcade` -> `mysql://arcade:[redacted]@db:3306/arcade`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = REDACTED;
    return parsed.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    // Not parseable: it may still hold a password, so show none of it.
    return REDACTED;
  }
}

function secret(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? value : REDACTED;
}

/**
 * The configuration for the startup log: every setting, no secret. Passwords, keys and
 * market token become "[redacted]", URLs lose their password, auth tokens show only
 * name and role, trusted keys only their id and where they were listed.
 */
export function describeConfig(config: ArcadeConfig): Record<string, unknown> {
  const { database, redis, storage, auth, market, signature } = config;
  return {
    file: config.file ?? null,
    server: config.server,
    database: {
      ...database,
      ...(database.url !== undefined ? { url: redactUrl(database.url) } : {}),
      password: secret(database.password),
      ...(database.readerPassword !== undefined ? { readerPassword: secret(database.readerPassword) } : {}),
    },
    redis: { ...redis, url: redactUrl(redis.url) },
    storage: {
      ...storage,
      s3AccessKeyId: secret(storage.s3AccessKeyId),
      s3SecretAccessKey: secret(storage.s3SecretAccessKey),
      s3ReaderAccessKeyId: secret(storage.s3ReaderAccessKeyId),
      s3ReaderSecretAccessKey: secret(storage.s3ReaderSecretAccessKey),
    },
    plugin: config.plugin,
    auth: { disabled: auth.disabled, tokens: auth.tokens.map(({ name, role }) => ({ name, role })) },
    node: config.node,
    worker: config.worker,
    market: { ...market, token: secret(market.token) },
    // Where each key came from too: the file's and the env's lists are merged.
    signature: {
      ...signature,
      trustedKeys: signature.trustedKeys.map(({ id, source }) =>
        source === undefined ? id : `${id} (${source === "env" ? "ARCADE_SIGNATURE_TRUSTED_KEYS" : "file"})`,
      ),
    },
    runtime: config.runtime,
    rollout: config.rollout,
    cluster: { secret: secret(config.cluster.secret) },
    // [secrets], key ids only: which keys are loaded and which one encrypts. Not named
    // `secrets`: the logger censors every field whose name contains "secret", ids and all.
    keyring: {
      ...(config.secrets.keysFile !== undefined ? { keysFile: config.secrets.keysFile } : {}),
      keys: config.secrets.keys.map((k) => k.id),
      activeKey: config.secrets.activeKey,
    },
    log: config.log,
  };
}
