import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "./config-keys.js";
import { loadConfig } from "./load-config.js";

const EXAMPLE = join(import.meta.dirname, "..", "arcade.example.toml");
const text = readFileSync(EXAMPLE, "utf8");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "arcade-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The example with every `# key = value` and `# [[table]]` line switched on. */
function uncommented(): string {
  return text
    .split("\n")
    .map((line) => line.replace(/^# (?=[a-z0-9_]+ = |\[\[)/, ""))
    .join("\n");
}

describe("arcade.example.toml", () => {
  it("shows every key, commented, in its section", () => {
    // undefined inside a commented [[table]]: its lines are fields of one item, not keys.
    let section: string | undefined;
    const shown = new Set<string>();
    for (const line of text.split("\n")) {
      const header = /^\[([a-z]+)\]$/.exec(line);
      if (header) section = header[1]!;
      const key = /^# ([a-z0-9_]+) = /.exec(line);
      if (key && section) shown.add(`${section}.${key[1]}`);
      const table = /^# \[\[([a-z]+)\.([a-z_]+)\]\]$/.exec(line);
      if (table) {
        shown.add(`${table[1]}.${table[2]}`);
        section = undefined;
      }
    }
    expect([...shown].sort()).toEqual(CONFIG_KEYS.map((k) => k.path).sort());
  });

  it("loads as it is, to the defaults", () => {
    const config = loadConfig({ file: EXAMPLE, env: {}, cwd: dir });
    expect(config.database.type).toBe("sqlite");
    expect(config.server.port).toBe(8080);
  });

  it("is valid with every key switched on", () => {
    writeFileSync(join(dir, "arcade.toml"), uncommented());
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.auth.tokens).toHaveLength(1);
    expect(config.signature.trustedKeys).toHaveLength(1);
    expect(config.plugin.maxPluginSize).toBe(50 * 1024 ** 2);
  });
});
