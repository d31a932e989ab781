/** A route as Hono lists it in `app.routes` (middleware registered with `use` has method ALL). */
export interface ListedRoute {
  method: string;
  path: string;
}

interface Entry {
  regex: RegExp;
  params: number;
  methods: Set<string>;
}

export type RouteTable = Entry[];

/**
 * The app's paths and the methods each allows, taken from the app's own routes, so an
 * unmatched request can be told apart: a known path with the wrong method is 405 (with Allow),
 * anything else 404. HEAD is allowed wherever GET is (Hono answers it with the GET route).
 */
export function routeTable(routes: readonly ListedRoute[]): RouteTable {
  const byPath = new Map<string, Entry>();
  for (const { method, path } of routes) {
    if (method === "ALL") continue;
    let entry = byPath.get(path);
    if (!entry) {
      const segments = path.split("/").map((s) => (s.startsWith(":") ? "[^/]+" : escapeRegex(s)));
      entry = {
        regex: new RegExp(`^${segments.join("/")}/?$`),
        params: segments.filter((s) => s === "[^/]+").length,
        methods: new Set(),
      };
      byPath.set(path, entry);
    }
    entry.methods.add(method);
    if (method === "GET") entry.methods.add("HEAD");
  }
  return [...byPath.values()];
}

/**
 * The methods allowed on a path, or null when the path is unknown. The most specific paths win
 * (`/plugins/install` is not a plugin id), as in the routers, which add static paths first.
 */
export function allowedMethods(table: RouteTable, path: string): string[] | null {
  const matches = table.filter((r) => r.regex.test(path));
  if (matches.length === 0) return null;
  const fewest = Math.min(...matches.map((m) => m.params));
  const methods = new Set(matches.filter((m) => m.params === fewest).flatMap((m) => [...m.methods]));
  return ORDER.filter((m) => methods.has(m)).concat([...methods].filter((m) => !ORDER.includes(m)));
}

const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
