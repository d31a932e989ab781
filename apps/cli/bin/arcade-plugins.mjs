#!/usr/bin/env node
// `arcade-plugins`: runs the compiled CLI from dist/ (built by `pnpm run build`).
process.setSourceMapsEnabled(true);
const entry = new URL("../dist/main.js", import.meta.url);
try {
  await import(entry.href);
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes(entry.pathname)) {
    console.error(
      "arcade-plugins: the CLI is not built yet; run `pnpm run build` at the repository root, then try again",
    );
    process.exit(1);
  }
  throw error;
}
