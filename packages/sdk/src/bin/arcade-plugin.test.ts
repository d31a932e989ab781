import { execFile } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { SignatureFile } from "../pack/signing.js";
import { verifySignatureFile } from "../pack/signing.js";
import { NOTIFY_ENTRY, NOTIFY_MANIFEST, type TempPlugin, tempPlugin } from "../test-support/plugin-folder.js";
import { readZip } from "../test-support/read-zip.js";

const bin = fileURLToPath(new URL("./arcade-plugin.ts", import.meta.url));
const sdkDir = fileURLToPath(new URL("../..", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(cwd: string, ...args: string[]): Promise<Run> {
  return cliWithEnv(cwd, process.env, ...args);
}

async function cliWithEnv(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  // Resolve tsx from the SDK (its dependency), not from the temp folder the command runs in.
  const tsx = pathToFileURL(path.join(sdkDir, "node_modules", "tsx", "dist", "loader.mjs")).href;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", tsx, bin, ...args], {
      cwd,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const made: TempPlugin[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((p) => p.remove()));
});

describe("arcade-plugin CLI", () => {
  it("keygen writes a key pair; pack --sign --set-version writes a signed zip of the new version", async () => {
    const p = await tempPlugin({ "plugin/manifest.json": NOTIFY_MANIFEST, "plugin/index.mjs": NOTIFY_ENTRY });
    made.push(p);

    const keygen = await cli(p.dir, "keygen", "keys/team");
    expect(keygen.code).toBe(0);
    const keyId = /id (ed25519-[0-9a-f]{16})/.exec(keygen.stdout)?.[1];
    expect(keyId).toBeDefined();
    expect(keygen.stdout).toContain("[[signature.trusted_keys]]");
    expect((await stat(path.join(p.dir, "keys/team.key.pem"))).mode & 0o777).toBe(0o600);
    expect((await cli(p.dir, "keygen", "keys/team")).stderr).toContain("--force");

    const packed = await cli(
      p.dir,
      "pack",
      "plugin",
      "-o",
      "out/{name}-{version}.zip",
      "--sign",
      "keys/team.key.pem",
      "--set-version",
      "1.1.0",
    );
    expect(packed.stderr).toBe("");
    expect(packed.code).toBe(0);
    expect(packed.stdout).toContain("packed tmp-notify 1.1.0 (notify)");
    expect(packed.stdout).toContain("out/tmp-notify-1.1.0.zip");
    expect(packed.stdout).toContain(`signed  key ${keyId}`);

    const zip = path.join(p.dir, "out/tmp-notify-1.1.0.zip");
    const manifest = (await readZip(zip)).find((e) => e.name === "manifest.json");
    expect(JSON.parse(manifest?.data.toString() ?? "{}").version).toBe("1.1.0");
    const sig = JSON.parse(await readFile(`${zip}.sig.json`, "utf8")) as SignatureFile;
    expect(sig.keyId).toBe(keyId);
    const publicKey = await readFile(path.join(p.dir, "keys/team.pub.pem"), "utf8");
    expect(verifySignatureFile(sig, publicKey)).toBe(true);
  });

  it("keygen --json prints only the ARCADE_SIGNATURE_TRUSTED_KEYS value; --toml only the arcade.toml table", async () => {
    const p = await tempPlugin({ "plugin/manifest.json": NOTIFY_MANIFEST, "plugin/index.mjs": NOTIFY_ENTRY });
    made.push(p);
    // A PATH without the bins: the messages name the commands as `pnpm exec ...`.
    const env = { PATH: "/usr/bin:/bin" };

    const json = await cliWithEnv(p.dir, env, "keygen", "keys/env", "--json");
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as { id: string; public_key: string }[];
    expect(entries).toEqual([
      { id: expect.stringMatching(/^ed25519-[0-9a-f]{16}$/), public_key: expect.any(String) },
    ]);
    // The raw base64 key is the one in the .pub.pem written beside it.
    const pem = createPublicKey(await readFile(path.join(p.dir, "keys/env.pub.pem"), "utf8"));
    const raw = Buffer.from(pem.export({ format: "jwk" }).x!, "base64url").toString("base64");
    expect(entries[0]?.public_key).toBe(raw);
    expect(json.stderr).toContain(`created an ed25519 signing key, id ${entries[0]?.id}`);
    expect(json.stderr).toContain("`pnpm exec arcade-plugin pack <dir> --sign keys/env.key.pem`");

    const toml = await cliWithEnv(p.dir, env, "keygen", "keys/file", "--toml");
    expect(toml.code).toBe(0);
    expect(toml.stdout).toMatch(
      /^\[\[signature\.trusted_keys\]\]\nid = "ed25519-[0-9a-f]{16}"\npublic_key = "[A-Za-z0-9+/]{43}="\n$/,
    );

    const plain = await cliWithEnv(p.dir, env, "keygen", "keys/both");
    expect(plain.stdout).toContain("[[signature.trusted_keys]]");
    expect(plain.stdout).toContain('ARCADE_SIGNATURE_TRUSTED_KEYS=\'[{"id":');
  });

  it("exits 1 with the error code, each bad field and what to do, for an invalid plugin folder", async () => {
    const p = await tempPlugin({
      "manifest.json": { ...NOTIFY_MANIFEST, version: "latest" },
      "index.mjs": "",
    });
    made.push(p);
    const run = await cli(p.dir, "pack", ".");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error [MANIFEST_INVALID]");
    expect(run.stderr).toContain("/version");

    const noKeyFile = await cli(p.dir, "pack", ".", "--key-id", "x");
    expect(noKeyFile.code).toBe(1);
    expect(noKeyFile.stderr).toContain("--sign");
  });
});
