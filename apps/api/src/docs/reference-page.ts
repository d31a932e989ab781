import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { buildOpenApiDocument, type DOCS_ASSETS } from "@arcade/contracts";

const require = createRequire(import.meta.url);

/**
 * The API reference page: Swagger UI from the swagger-ui-dist package, every file served by
 * this server (nothing from another host), reading /api/v1/openapi.json.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Arcade API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs-init.js"></script>
</body>
</html>
`;

/** An external file, not an inline script, so the page's CSP can say script-src 'self'. */
const INIT_SCRIPT = `window.addEventListener("load", function () {
  window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The default validator badge loads an image from another host.
    validatorUrl: null,
  });
});
`;

/**
 * Only this server: scripts and styles from its own files (no inline code), the document from
 * /api/v1/openapi.json. `img-src data:` is for the icons inlined in swagger-ui.css.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export type DocsAsset = (typeof DOCS_ASSETS)[number];

const TYPES: Record<DocsAsset, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "docs-init.js": "text/javascript; charset=utf-8",
};

const cache = new Map<DocsAsset, Promise<string>>();

/** A file of the page, read once from swagger-ui-dist (or the init script above). */
export async function docsAsset(file: DocsAsset): Promise<{ text: string; contentType: string }> {
  let text = cache.get(file);
  if (!text) {
    text =
      file === "docs-init.js"
        ? Promise.resolve(INIT_SCRIPT)
        : readFile(join(dirname(require.resolve("swagger-ui-dist/package.json")), file), "utf8");
    cache.set(file, text);
    text.catch(() => cache.delete(file));
  }
  return { text: await text, contentType: TYPES[file] };
}

let document: Record<string, unknown> | undefined;

/** The OpenAPI document, built once from the route contracts. */
export function openApiDocument(): Record<string, unknown> {
  document ??= buildOpenApiDocument({
    version: (require("../../package.json") as { version: string }).version,
  });
  return document;
}
