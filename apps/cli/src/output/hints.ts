/** What to do next, per error code. `extra` carries problem extensions such as inFlightJobId. */
export function hintFor(
  code: string,
  status: number,
  extra: Record<string, unknown> = {},
): string | undefined {
  const byCode = CODE_HINTS[code];
  if (byCode) return byCode(extra);
  if (status === 401) return CODE_HINTS.UNAUTHORIZED?.(extra);
  if (status === 403) return CODE_HINTS.FORBIDDEN?.(extra);
  if (status === 404) return "check the id, and the --url (ARCADE_API_URL) the command talks to";
  if (status === 503) return TRANSIENT;
  if (status >= 500) return "the server failed; look for the requestId in its log";
  return undefined;
}

export const UNREACHABLE_HINT =
  "the platform may not be running: start it with `npm start` (or point --url / ARCADE_API_URL at it)";

const TRANSIENT =
  "a backing service (database, Redis, object store, market) is unavailable; retry in a moment and check the platform's log";
const VALIDATE = "check the plugin locally with `arcade-plugins validate <manifest.json|zip>`";
const SIGN = "sign the zip with `arcade-plugins pack <dir> --sign <key.pem>` using a key the platform trusts";

const CODE_HINTS: Record<string, (extra: Record<string, unknown>) => string> = {
  UNAUTHORIZED: () =>
    "pass --token or set ARCADE_TOKEN; `npm start` printed the admin token and saved it in .data/admin-token",
  FORBIDDEN: () => "this token's role is too low for the operation: use an operator or admin token",
  PLUGIN_NOT_FOUND: () => "list the installed plugins with `arcade-plugins list`",
  JOB_NOT_FOUND: () => "list recent jobs with `arcade-plugins jobs`",
  VERSION_NOT_FOUND: () => "see the retained versions with `arcade-plugins versions <pluginId>`",
  ACTION_NOT_FOUND: () => "see the plugin's actions with `arcade-plugins get <pluginId>`",
  OPERATION_IN_PROGRESS: (extra) =>
    typeof extra.inFlightJobId === "string"
      ? `wait for it with \`arcade-plugins jobs get ${extra.inFlightJobId} --follow\`, then retry`
      : "wait for the running job of this plugin (`arcade-plugins jobs --state running`), then retry",
  PLUGIN_EXISTS: (extra) => {
    const id = typeof extra.pluginId === "string" ? extra.pluginId : "<pluginId>";
    const where = typeof extra.pluginId === "string" ? `it is installed as ${id}: ` : "";
    return `${where}install a new version with \`arcade-plugins update ${id} <zip>\` (or --market <marketId>), or remove it first with \`arcade-plugins uninstall ${id}\``;
  },
  VERSION_NOT_NEWER: () =>
    "pack a higher version (`arcade-plugins pack <dir> --set-version X`) or pass --allow-downgrade",
  DEPENDENTS_EXIST: () => "other plugins depend on it: pass --cascade to include them",
  PERMISSIONS_ESCALATED: () =>
    "the new version asks for more than the installed one (listed above): review them, then update again with --accept-permissions",
  PLUGIN_NOT_LOADED: () =>
    "the plugin is not loaded on the node that answered: check its state with `arcade-plugins get <pluginId>`",
  PAYLOAD_TOO_LARGE: () =>
    "make the plugin smaller, or raise plugin.max_plugin_size (ARCADE_PLUGIN_MAX_PLUGIN_SIZE) on the platform",
  UNSUPPORTED_MEDIA_TYPE: () => "send a .zip, or a .js/.mjs file with --manifest manifest.json",
  ARCHIVE_INVALID: () => VALIDATE,
  ARCHIVE_UNSAFE: () => VALIDATE,
  ARCHIVE_TOO_LARGE: () => VALIDATE,
  MANIFEST_MISSING: () =>
    "the zip needs manifest.json at its root; build it with `arcade-plugins pack <dir>`",
  MANIFEST_INVALID: () => VALIDATE,
  ENTRY_POINT_MISSING: () => VALIDATE,
  CHECKSUM_MISMATCH: () => "the artifact changed on the way; upload it again",
  SIZE_MISMATCH: () => "the artifact changed on the way; upload it again",
  CONFIG_INVALID: () =>
    "compare the config with the configSchema shown by `arcade-plugins get <pluginId> --json`",
  PARAMS_INVALID: () =>
    "compare --params with the paramsSchema shown by `arcade-plugins get <pluginId> --json`",
  DEPENDENCY_MISSING: () => "install the plugins it depends on first",
  DEPENDENCY_VERSION: () => "update the plugins it depends on to a version its manifest accepts",
  PLATFORM_VERSION_UNSUPPORTED: () => "the plugin needs a newer platform (manifest minVersion)",
  SIGNATURE_MISSING: () => SIGN,
  SIGNATURE_INVALID: () => SIGN,
  KEY_UNTRUSTED: () => `${SIGN}, or add its public key to [[signature.trusted_keys]]`,
  KEY_REVOKED: () => "the signing key was revoked: sign with another trusted key",
  MARKET_DISABLED: () => "enable the market on the platform (plugin.enable_market), or install a local zip",
  MARKET_PLUGIN_NOT_FOUND: () => "check the market id and version",
  RATE_LIMITED: (extra) =>
    `slow down; retry${typeof extra.retryAfter === "number" ? ` after ${extra.retryAfter}s` : " in a moment"}`,
  ACTION_FAILED: () => "the plugin's action threw; see the platform's log for the plugin's output",
  ACTION_TIMEOUT: () => "the action took too long: pass a larger --timeout (ms)",
  PLUGIN_LOAD_FAILED: () =>
    "the plugin failed to load: see per-node errors with `arcade-plugins get <pluginId>`",
  MARKET_UNAVAILABLE: () => TRANSIENT,
  DATABASE_UNAVAILABLE: () => TRANSIENT,
  STORAGE_UNAVAILABLE: () => TRANSIENT,
  QUEUE_UNAVAILABLE: () => TRANSIENT,
  INTERNAL: () => "the server failed; look for the requestId in its log",
};
