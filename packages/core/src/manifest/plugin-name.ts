/**
 * The plugin name rule. A name is shown everywhere and ends up in ids, file names, log lines
 * and URLs, so it is a plain identifier: `../../etc/acc` or `Slack Notifier` cannot install.
 * (Names adopted from a pre-refactor installation may break it; they stay readable.)
 */
export const PLUGIN_NAME_MAX_CHARS = 100;

export const PLUGIN_NAME_RULE =
  'lowercase letters, digits, "-", "_" and "."; starting with a letter or digit; no ".."; at most 100 characters (so no "/" or "\\", no spaces, no capitals)';

const PLUGIN_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export function isPluginName(value: string): boolean {
  return value.length <= PLUGIN_NAME_MAX_CHARS && PLUGIN_NAME.test(value) && !value.includes("..");
}
