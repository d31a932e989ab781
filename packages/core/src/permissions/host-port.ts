import { isIP } from "node:net";

/** A parsed `host:port` of a manifest's network.hosts, or of a URL a plugin fetches. */
export interface HostPort {
  /** Lowercase; IPv6 without brackets; `*.example.com` keeps its wildcard. */
  host: string;
  port: number;
  wildcard: boolean;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `entry` is not a usable `host:port`, or null. */
export function hostPortProblem(entry: string): string | null {
  const parsed = parseHostPort(entry);
  return typeof parsed === "string" ? parsed : null;
}

/**
 * Parses `host:port`: a DNS name (optionally `*.` + name: any subdomain of it, not the
 * name itself), an IPv4 address or `[IPv6]`, then a port 1-65535. Returns why not as a string.
 */
export function parseHostPort(entry: string): HostPort | string {
  const cut = entry.lastIndexOf(":");
  if (cut <= 0) return "must be host:port (the port is required, e.g. hooks.example.com:443)";
  const rawHost = entry.slice(0, cut);
  const rawPort = entry.slice(cut + 1);
  if (!/^\d{1,5}$/.test(rawPort)) return `has no port number after the last ":" (got "${rawPort}")`;
  const port = Number(rawPort);
  if (port < 1 || port > 65_535) return "has a port outside 1-65535";
  if (rawHost.startsWith("[")) {
    if (!rawHost.endsWith("]")) return "has an IPv6 address without its closing ]";
    const ip = rawHost.slice(1, -1).toLowerCase();
    if (isIP(ip) !== 6) return "has a bracketed host that is not an IPv6 address";
    return { host: ip, port, wildcard: false };
  }
  if (rawHost.includes(":")) return "has an IPv6 address without brackets (write [::1]:8080)";
  const host = rawHost.toLowerCase();
  if (isIP(host) === 4) return { host, port, wildcard: false };
  const wildcard = host.startsWith("*.");
  const name = wildcard ? host.slice(2) : host;
  if (name.length === 0 || name.length > 253) return "has a host name that is empty or too long";
  const labels = name.split(".");
  if (labels.some((label) => !LABEL.test(label))) {
    return "has a host that is not a DNS name, an IPv4 address or [IPv6] (only * as the first label)";
  }
  if (wildcard && labels.length < 2) return "may not use * for a whole top-level domain";
  if (/^\d+$/.test(labels[labels.length - 1] ?? ""))
    return "has a host that looks like a broken IPv4 address";
  return { host, port, wildcard };
}

/** `host:port` as the platform spells it (lowercase, IPv6 in brackets). */
export function formatHostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** True when `host:port` (a plain host, no wildcard) is covered by one of the declared entries. */
export function hostAllowed(declared: readonly string[], host: string, port: number): boolean {
  const wanted = host
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  return declared.some((entry) => {
    const d = parseHostPort(entry);
    if (typeof d === "string" || d.port !== port) return false;
    if (!d.wildcard) return d.host === wanted;
    return wanted.endsWith(d.host.slice(1));
  });
}

/** True when every host `entry` allows is also allowed by one of `declared`. */
export function hostEntryCovered(declared: readonly string[], entry: string): boolean {
  const e = parseHostPort(entry);
  if (typeof e === "string") return false;
  if (!e.wildcard) return hostAllowed(declared, e.host, e.port);
  return declared.some((other) => {
    const d = parseHostPort(other);
    if (typeof d === "string" || !d.wildcard || d.port !== e.port) return false;
    return e.host === d.host || e.host.endsWith(d.host.slice(1));
  });
}
