import { createHash } from "node:crypto";
import { readFile, stat, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@arcade/core";
import { afterEach, describe, expect, it } from "vitest";
import { NOTIFY_ENTRY, NOTIFY_MANIFEST, type TempPlugin, tempPlugin } from "../test-support/plugin-folder.js";
import { readZip } from "../test-support/read-zip.js";
import { pack } from "./pack.js";
import { generateSigningKey, type SignatureFile, verifySignatureFile } from "./signing.js";

const made: TempPlugin[] = [];
async function folder(files: Record<string, string | object>): Promise<TempPlugin> {
  const p = await tempPlugin(files);
  made.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((p) => p.remove()));
});

async function failure(work: Promise<unknown>): Promise<AppError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const basic = () =>
  folder({
    "manifest.json": NOTIFY_MANIFEST,
    "index.mjs": NOTIFY_ENTRY,
    "lib/util.mjs": "export const x = 1;\n",
  });

describe("pack", () => {
  it("writes dist/{name}-{version}.zip holding the folder's files, and reports its sha256 and size", async () => {
    const p = await basic();
    const result = await pack({ dir: p.dir });
    expect(result.file).toBe(path.join(p.dir, "dist", "tmp-notify-1.0.0.zip"));
    const bytes = await readFile(result.file);
    expect(result.size).toBe(bytes.length);
    expect(result.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(result.manifest.name).toBe("tmp-notify");
    const entries = await readZip(result.file);
    expect(entries.map((e) => e.name)).toEqual(["index.mjs", "lib/util.mjs", "manifest.json"]);
    expect(entries.find((e) => e.name === "index.mjs")?.data.toString()).toBe(NOTIFY_ENTRY);
  });

  it("is reproducible: the same content gives the same bytes, whatever the file times", async () => {
    const p = await basic();
    const out = path.join(p.dir, "out", "a.zip");
    const first = await pack({ dir: p.dir, outFile: out });
    const later = new Date("2031-05-06T07:08:09Z");
    for (const f of ["manifest.json", "index.mjs", "lib/util.mjs"])
      await utimes(path.join(p.dir, f), later, later);
    const second = await pack({ dir: p.dir, outFile: out });
    expect(second.sha256).toBe(first.sha256);

    const copy = await folder({
      "manifest.json": NOTIFY_MANIFEST,
      "index.mjs": NOTIFY_ENTRY,
      "lib/util.mjs": "export const x = 1;\n",
    });
    expect((await pack({ dir: copy.dir })).sha256).toBe(first.sha256);

    await p.write("lib/util.mjs", "export const x = 2;\n");
    expect((await pack({ dir: p.dir, outFile: out })).sha256).not.toBe(first.sha256);
  });

  it("stores fixed times and modes, not the machine's", async () => {
    const p = await basic();
    const entries = await readZip((await pack({ dir: p.dir })).file);
    for (const e of entries) {
      expect(e.mode).toBe(0o100644);
      expect(e.lastModified.getFullYear()).toBe(1980);
    }
  });

  it("leaves out node_modules, dot files, test files, older archives and its own output", async () => {
    const p = await basic();
    await p.write("node_modules/dep/index.js", "x");
    await p.write(".env", "TOKEN=secret");
    await p.write(".git/HEAD", "ref");
    await p.write("index.test.ts", "test");
    await p.write("src/__tests__/a.mjs", "test");
    await p.write("dist/tmp-notify-0.9.0.zip", "old");
    await p.write("dist/tmp-notify-0.9.0.zip.sig.json", "{}");
    await p.write("README.md", "# hi");
    const result = await pack({ dir: p.dir });
    await pack({ dir: p.dir }); // its own earlier output must not be picked up either
    const names = (await readZip(result.file)).map((e) => e.name);
    expect(names).toEqual(["README.md", "index.mjs", "lib/util.mjs", "manifest.json"]);
  });

  it("replaces {name} and {version} in outFile and packs another version with setVersion", async () => {
    const p = await basic();
    const result = await pack({
      dir: p.dir,
      outFile: path.join(p.dir, "out/{name}@{version}.zip"),
      setVersion: "1.1.0",
    });
    expect(result.file).toBe(path.join(p.dir, "out", "tmp-notify@1.1.0.zip"));
    expect(result.manifest.version).toBe("1.1.0");
    const packed = (await readZip(result.file)).find((e) => e.name === "manifest.json");
    expect(JSON.parse(packed?.data.toString() ?? "{}")).toEqual({ ...NOTIFY_MANIFEST, version: "1.1.0" });
    // The folder itself is untouched.
    expect(JSON.parse(await readFile(path.join(p.dir, "manifest.json"), "utf8")).version).toBe("1.0.0");

    const badVersion = await failure(pack({ dir: p.dir, setVersion: "v2" }));
    expect(badVersion.code).toBe("MANIFEST_INVALID");
    expect(badVersion.errors.map((e) => e.path)).toEqual(["/version"]);
  });

  it("rejects an invalid manifest and lists every bad field", async () => {
    const p = await folder({
      "manifest.json": {
        name: "x",
        version: "1.0",
        pluginType: "chat",
        entryPoint: "index.mjs",
        color: "red",
      },
      "index.mjs": NOTIFY_ENTRY,
    });
    const error = await failure(pack({ dir: p.dir }));
    expect(error.code).toBe("MANIFEST_INVALID");
    const paths = error.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["/version", "/pluginType", "/color"]));
    for (const field of ["/version", "/pluginType", "/color"]) expect(error.message).toContain(field);
    await expect(stat(path.join(p.dir, "dist"))).rejects.toThrow();
  });

  it("rejects a folder without manifest.json, or whose entry is missing or would be left out", async () => {
    const none = await folder({ "index.mjs": NOTIFY_ENTRY });
    expect((await failure(pack({ dir: none.dir }))).code).toBe("MANIFEST_MISSING");

    const noEntry = await folder({ "manifest.json": { ...NOTIFY_MANIFEST, entryPoint: "src/main.mjs" } });
    const missing = await failure(pack({ dir: noEntry.dir }));
    expect(missing.code).toBe("ENTRY_POINT_MISSING");
    expect(missing.message).toContain("src/main.mjs");

    const hidden = await folder({
      "manifest.json": { ...NOTIFY_MANIFEST, entryPoint: "node_modules/x/index.mjs" },
      "node_modules/x/index.mjs": NOTIFY_ENTRY,
    });
    expect((await failure(pack({ dir: hidden.dir }))).code).toBe("ENTRY_POINT_MISSING");

    const notJs = await folder({
      "manifest.json": { ...NOTIFY_MANIFEST, entryPoint: "index.ts" },
      "index.ts": "",
    });
    const wrongType = await failure(pack({ dir: notJs.dir }));
    expect(wrongType.errors.map((e) => e.path)).toEqual(["/entryPoint"]);
  });

  it("refuses symbolic links instead of following them out of the folder", async () => {
    const p = await basic();
    await symlink("/etc/hostname", path.join(p.dir, "host"));
    const error = await failure(pack({ dir: p.dir }));
    expect(error.code).toBe("ARCHIVE_UNSAFE");
    expect(error.message).toContain("host");
  });

  it("refuses to pack a private key, and never packs the key it signs with", async () => {
    const p = await basic();
    const key = generateSigningKey();
    await p.write("signing.key.pem", key.privateKeyPem);
    const error = await failure(pack({ dir: p.dir }));
    expect(error.code).toBe("ARCHIVE_UNSAFE");
    expect(error.message).toContain("signing.key.pem");
    const signed = await pack({ dir: p.dir, signWith: { keyFile: path.join(p.dir, "signing.key.pem") } });
    expect(signed.files).not.toContain("signing.key.pem");
  });
});

describe("pack with signWith", () => {
  async function keyFiles(p: TempPlugin) {
    const key = generateSigningKey();
    const keyFile = await p.write("keys/.signing.key.pem", key.privateKeyPem);
    return { key, keyFile };
  }

  it("writes <zip>.sig.json whose Ed25519 signature over the sha256 verifies with the public key", async () => {
    const p = await basic();
    const { key, keyFile } = await keyFiles(p);
    const result = await pack({ dir: p.dir, signWith: { keyFile, keyId: "team-2024" } });
    expect(result.signatureFile).toBe(`${result.file}.sig.json`);
    const sig = JSON.parse(await readFile(`${result.file}.sig.json`, "utf8")) as SignatureFile;
    expect(sig).toEqual({
      keyId: "team-2024",
      algorithm: "ed25519",
      sha256: result.sha256,
      signature: expect.any(String),
    });
    expect(result.signature).toEqual(sig);
    expect(verifySignatureFile(sig, key.publicKeyPem, result.sha256)).toBe(true);
    expect(verifySignatureFile(sig, key.publicKeyBase64)).toBe(true);
  });

  it("fails verification for a tampered sha256, another archive, a forged signature or another key", async () => {
    const p = await basic();
    const { key, keyFile } = await keyFiles(p);
    const { signature: sig, sha256 } = await pack({ dir: p.dir, signWith: { keyFile, keyId: "k" } });
    if (!sig) throw new Error("no signature");
    const tampered = `${sha256.slice(0, -1)}${sha256.endsWith("0") ? "1" : "0"}`;
    expect(verifySignatureFile({ ...sig, sha256: tampered }, key.publicKeyPem)).toBe(false);
    expect(verifySignatureFile(sig, key.publicKeyPem, tampered)).toBe(false);
    const forged = Buffer.from(sig.signature, "base64");
    forged[0] = (forged[0] ?? 0) ^ 1;
    expect(verifySignatureFile({ ...sig, signature: forged.toString("base64") }, key.publicKeyPem)).toBe(
      false,
    );
    expect(verifySignatureFile(sig, generateSigningKey().publicKeyPem)).toBe(false);
  });

  it("derives the key id from the key when none is given", async () => {
    const p = await basic();
    const { key, keyFile } = await keyFiles(p);
    const { signature } = await pack({ dir: p.dir, signWith: { keyFile } });
    expect(signature?.keyId).toBe(key.keyId);
    expect(key.keyId).toMatch(/^ed25519-[0-9a-f]{16}$/);
  });

  it("refuses a key that is not an Ed25519 private key, saying how to make one", async () => {
    const p = await basic();
    const keyFile = await p.write("k.pem", "not a key");
    const error = await failure(pack({ dir: p.dir, signWith: { keyFile } }));
    expect(error.code).toBe("SIGNATURE_INVALID");
    expect(error.detail).toContain("keygen");
    const missing = await failure(pack({ dir: p.dir, signWith: { keyFile: path.join(p.dir, "none.pem") } }));
    expect(missing.code).toBe("SIGNATURE_INVALID");
  });

  it("removes a stale signature when the archive is packed again unsigned", async () => {
    const p = await basic();
    const { keyFile } = await keyFiles(p);
    const signed = await pack({ dir: p.dir, signWith: { keyFile } });
    await writeFile(path.join(p.dir, "index.mjs"), `${NOTIFY_ENTRY}// changed\n`);
    await pack({ dir: p.dir });
    await expect(stat(`${signed.file}.sig.json`)).rejects.toThrow();
  });
});
