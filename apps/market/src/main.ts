import { parseArgs } from "node:util";
import { createLogger } from "@arcade/telemetry";
import { startMarketServer } from "./market-server.js";
import { generateSigner, loadOrCreateSigner } from "./signing-key.js";

const USAGE = `usage: market --dir <folder of zips> [--port 8090] [--host 127.0.0.1]
              [--key <ed25519 private key .pem>] [--key-id <id>] [--token <bearer>] [--public-url <url>]
       market --key <ed25519 private key .pem> [--key-id <id>] --print-trusted-keys
Every flag may also come from ARCADE_MARKET_<FLAG> (ARCADE_MARKET_DIR, ARCADE_MARKET_KEY, ...).
--print-trusted-keys prints the value of ARCADE_SIGNATURE_TRUSTED_KEYS that trusts the key (made if
the file does not exist) and exits.`;

function option(values: Record<string, string | undefined>, name: string): string | undefined {
  const env = process.env[`ARCADE_MARKET_${name.toUpperCase().replaceAll("-", "_")}`];
  return values[name] ?? (env === "" ? undefined : env);
}

/** The reference market: serves a folder of plugin zips over the market API, signing what it publishes. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      key: { type: "string" },
      "key-id": { type: "string" },
      token: { type: "string" },
      "public-url": { type: "string" },
      "print-trusted-keys": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const flags = values as Record<string, string | undefined>;
  if (values["print-trusted-keys"]) {
    // For scripts: `export ARCADE_SIGNATURE_TRUSTED_KEYS="$(market --key k.pem --print-trusted-keys)"`.
    const keyFile = option(flags, "key");
    if (!keyFile) throw new Error(`--print-trusted-keys needs --key\n${USAGE}`);
    const { signer } = await loadOrCreateSigner(keyFile, option(flags, "key-id"));
    process.stdout.write(`${JSON.stringify([{ id: signer.keyId, public_key: signer.publicKeyBase64 }])}\n`);
    return;
  }
  const dir = option(flags, "dir");
  if (!dir) throw new Error(`--dir is required\n${USAGE}`);
  const port = Number(option(flags, "port") ?? "8090");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error("--port must be 0-65535");
  const logger = createLogger({ name: "market" });

  const keyFile = option(flags, "key");
  const keyId = option(flags, "key-id");
  const { signer, generated } = keyFile
    ? await loadOrCreateSigner(keyFile, keyId)
    : { signer: generateSigner(keyId), generated: true };
  if (generated) {
    logger.warn(
      keyFile ? { keyFile } : {},
      keyFile
        ? "created a new signing key"
        : "no --key: signing with a key that lives only as long as this process",
    );
  }

  const token = option(flags, "token");
  const publicUrl = option(flags, "public-url");
  const market = await startMarketServer({
    dir,
    port,
    host: option(flags, "host") ?? "127.0.0.1",
    signer,
    logger,
    ...(token ? { token } : {}),
    ...(publicUrl ? { publicUrl } : {}),
  });
  logger.info(
    { url: market.url, versions: market.scan.versions, skipped: market.scan.skipped.length },
    "market ready",
  );
  // What the platform needs to trust this market's signatures, ready to paste into arcade.toml.
  process.stdout.write(
    [
      "",
      `market signing key ${signer.keyId}; trust it on the platform with:`,
      "  [[signature.trusted_keys]]",
      `  id = "${signer.keyId}"`,
      `  public_key = "${signer.publicKeyBase64}"`,
      `(or ARCADE_SIGNATURE_TRUSTED_KEYS='[{"id":"${signer.keyId}","public_key":"${signer.publicKeyBase64}"}]')`,
      "",
    ].join("\n"),
  );

  process.on("SIGHUP", () => {
    market.catalog
      .rescan()
      .then((r) => logger.info({ versions: r.versions, skipped: r.skipped.length }, "catalog rescanned"))
      .catch((error: unknown) => logger.error({ err: error }, "rescan failed"));
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void market.close().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`market failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
