import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "./config-keys.js";
import { loadConfig } from "./load-config.js";

const MiB = 1024 ** 2;
const DESIGN_BLOCK = join(import.meta.dirname, "testing", "original-design-plugin.toml");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "arcade-units-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function withToml(text: string, env: Record<string, string> = {}) {
  writeFileSync(join(dir, "arcade.toml"), text);
  return loadConfig({ env, cwd: dir });
}

const unitWarnings = (warnings: readonly string[]) => warnings.filter((w) => /a plain number in a/.test(w));

describe("the original design's [plugin] block, as written", () => {
  it("loads with 100 MiB, 30 s and one day, and its other keys", () => {
    const config = loadConfig({ file: DESIGN_BLOCK, env: {}, cwd: dir });
    expect(config.plugin).toMatchObject({
      maxPluginSize: 100 * MiB,
      loadTimeout: 30_000,
      updateCheckInterval: 86_400_000,
      localCacheDir: "/var/lib/arcade/plugins",
      enableMarket: true,
      marketApi: "https://marketplace.arcade.io/api",
      autoCheckUpdate: true,
    });
    expect(unitWarnings(config.warnings)).toEqual([]);
  });
});

describe("one rule for plain numbers", () => {
  it("is MiB in every size key and seconds in every duration key", () => {
    const sizes = CONFIG_KEYS.filter((k) => k.schema.unit === "bytes");
    const durations = CONFIG_KEYS.filter((k) => k.schema.unit === "ms" && k.schema.plain === "s");
    expect(sizes.length).toBeGreaterThan(3);
    expect(durations.length).toBeGreaterThan(10);
    const env = Object.fromEntries([
      ...sizes.map((k) => [k.env, "64"]),
      ...durations.map((k) => [k.env, k.key === "heartbeat_ttl" ? "90" : "60"]),
    ]);
    const config = loadConfig({ env, cwd: dir });
    const read = (section: string, key: string) => {
      const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      return (config as unknown as Record<string, Record<string, unknown>>)[section]![camel];
    };
    for (const k of sizes) expect(read(k.section, k.key), k.path).toBe(64 * MiB);
    for (const k of durations)
      expect(read(k.section, k.key), k.path).toBe(k.key === "heartbeat_ttl" ? 90_000 : 60_000);
  });

  it("a key whose name says its unit keeps it: worker.backoff_ms", () => {
    expect(withToml("[worker]\nbackoff_ms = 250\n").worker.backoffMs).toBe(250);
    expect(loadConfig({ env: { ARCADE_WORKER_BACKOFF_MS: "2s" }, cwd: dir }).worker.backoffMs).toBe(2000);
  });

  it("strings with units mean what they say, in the file and in env vars", () => {
    const config = withToml('[plugin]\nmax_plugin_size = "512KiB"\nload_timeout = "500ms"\n', {
      ARCADE_PLUGIN_ACTION_TIMEOUT: "1.5s",
      ARCADE_PLUGIN_MAX_UNCOMPRESSED_SIZE: "1048576B",
    });
    expect(config.plugin.maxPluginSize).toBe(512 * 1024);
    expect(config.plugin.loadTimeout).toBe(500);
    expect(config.plugin.actionTimeout).toBe(1500);
    expect(config.plugin.maxUncompressedSize).toBe(MiB);
  });

  it("fractions of the plain unit", () => {
    const config = withToml("[plugin]\nload_timeout = 0.5\nmax_plugin_size = 1.5\n");
    expect(config.plugin.loadTimeout).toBe(500);
    expect(config.plugin.maxPluginSize).toBe(1.5 * MiB);
  });

  it("messages say the rule", () => {
    expect(() => withToml("[plugin]\nload_timeout = -1\n")).toThrow(
      /plugin\.load_timeout=-1 .*: must be a duration of at least 1ms: a number of seconds, or a string with a unit like "500ms"/,
    );
    expect(() => loadConfig({ env: { ARCADE_PLUGIN_MAX_PLUGIN_SIZE: "lots" }, cwd: dir })).toThrow(
      /ARCADE_PLUGIN_MAX_PLUGIN_SIZE="lots" \(plugin\.max_plugin_size\): must be a size of at least 1KiB: a number of MiB, or a string with a unit/,
    );
  });
});

describe("start-up warnings for plain numbers that look meant in the old unit", () => {
  it("load_timeout = 30000 is used as 30000 s, with a warning naming the key and the other spelling", () => {
    const config = withToml("[plugin]\nload_timeout = 30000\n");
    expect(config.plugin.loadTimeout).toBe(30_000_000);
    expect(unitWarnings(config.warnings)).toEqual([
      'plugin.load_timeout = 30000 is read as 30000 seconds (8h20m): a plain number in a duration key is seconds. If you meant milliseconds, write "30000ms".',
    ]);
  });

  it("names the env variable when the value came from one, and covers sizes", () => {
    const config = loadConfig({
      env: { ARCADE_NODE_CONVERGENCE_TIMEOUT: "10000", ARCADE_PLUGIN_MAX_PLUGIN_SIZE: "52428800" },
      cwd: dir,
    });
    const warnings = unitWarnings(config.warnings);
    expect(warnings).toHaveLength(2);
    expect(warnings).toContainEqual(
      expect.stringMatching(/^ARCADE_NODE_CONVERGENCE_TIMEOUT = 10000 is read as 10000 seconds/),
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^ARCADE_PLUGIN_MAX_PLUGIN_SIZE = 52428800 is read as 52428800 MiB .* write "52428800B"\.$/,
      ),
    );
  });

  it("no warning for values that fit their key, for strings with units, or for keys named in ms", () => {
    const config = withToml(
      '[plugin]\nupdate_check_interval = 86400\nmax_plugin_size = 1000\nload_timeout = "30000ms"\n[worker]\nbackoff_ms = 5000\n',
    );
    expect(unitWarnings(config.warnings)).toEqual([]);
  });
});
