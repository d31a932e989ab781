import { formatHostPort, hostAllowed } from "@arcade/core";

/**
 * The harness's ctx.fetch: the same host:port check the platform's sandbox makes
 * (manifest permissions.network.hosts), then the test process's own fetch. Redirects are
 * followed by hand so that each hop is checked, as on the platform. Unlike the platform,
 * nothing else is enforced here: the plugin runs in the test's own process.
 */
export function checkedFetch(hosts: readonly string[]): typeof fetch {
  const checked = async (
    input: Parameters<typeof fetch>[0],
    init?: RequestInit,
    hop = 0,
  ): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol === "data:" || url.protocol === "blob:") return fetch(request);
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if ((url.protocol !== "http:" && url.protocol !== "https:") || !hostAllowed(hosts, host, port)) {
      const denied = `net ${formatHostPort(host.toLowerCase(), port)}`;
      throw Object.assign(new Error(`permission denied: ${denied} (not in permissions.network.hosts)`), {
        name: "PermissionDeniedError",
        code: "PERMISSION_DENIED",
        denied,
      });
    }
    const follow = request.redirect === "follow";
    const response = await fetch(request, { redirect: follow ? "manual" : request.redirect });
    const location = response.headers.get("location");
    if (!follow || location === null || ![301, 302, 303, 307, 308].includes(response.status) || hop >= 5) {
      return response;
    }
    const toGet =
      response.status === 303 ||
      (response.status !== 307 && response.status !== 308 && request.method === "POST");
    return checked(
      new URL(location, url),
      toGet ? { method: "GET", headers: request.headers } : request,
      hop + 1,
    );
  };
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) => checked(input, init)) as typeof fetch;
}
