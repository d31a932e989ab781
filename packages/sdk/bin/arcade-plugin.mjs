#!/usr/bin/env node
// `arcade-plugin`: runs the compiled command from dist/ (built by `pnpm run build`).
process.setSourceMapsEnabled(true);
const entry = new URL("../dist/bin/arcade-plugin.js", import.meta.url);
try {
  await import(entry.href);
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes(entry.pathname)) {
    console.error(
      "arcade-plugin: the SDK is not built yet; run `pnpm run build` at the repository root, then try again",
    );
    process.exit(1);
  }
  throw error;
}
