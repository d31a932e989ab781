/**
 * The API's paths and the methods each allows, so an unmatched request can be
 * told apart: a known path with the wrong method is 405 (with Allow), anything
 * else 404. HEAD is allowed wherever GET is (Hono answers it with the GET route).
 */
const TABLE: [string, string[]][] = [
  ["/healthz", ["GET"]],
  ["/readyz", ["GET"]],
  ["/metrics", ["GET"]],
  ["/api/v1/plugins", ["GET"]],
  ["/api/v1/plugins/install", ["POST"]],
  ["/api/v1/plugins/metrics", ["GET"]],
  ["/api/v1/plugins/validate-manifest", ["POST"]],
  ["/api/v1/plugins/:id", ["GET", "PUT", "DELETE"]],
  ["/api/v1/plugins/:id/enable", ["POST"]],
  ["/api/v1/plugins/:id/disable", ["POST"]],
  ["/api/v1/plugins/:id/config", ["GET", "PUT"]],
  ["/api/v1/plugins/:id/versions", ["GET"]],
  ["/api/v1/plugins/:id/rollback", ["POST"]],
  ["/api/v1/plugins/:id/actions/:action", ["POST"]],
  ["/api/v1/jobs", ["GET"]],
  ["/api/v1/jobs/:id", ["GET"]],
  ["/api/v1/cluster/nodes", ["GET"]],
];

const COMPILED = TABLE.map(([pattern, methods]) => ({
  regex: new RegExp(`^${pattern.replace(/:[a-z]+/g, "[^/]+")}/?$`),
  methods: methods.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])),
  isStatic: !pattern.includes(":"),
}));

/**
 * The methods allowed on a path, or null when the path is unknown. A static
 * path wins over a parameter (`/plugins/install` is not a plugin id), as in
 * the router, where the static routes are registered first.
 */
export function allowedMethods(path: string): string[] | null {
  const matches = COMPILED.filter((r) => r.regex.test(path));
  if (matches.length === 0) return null;
  const statics = matches.filter((m) => m.isStatic);
  const chosen = statics.length > 0 ? statics : matches;
  return [...new Set(chosen.flatMap((m) => m.methods))];
}
