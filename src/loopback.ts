// What counts as "this machine": one answer for the configuration (HOST), the mail transport
// (STARTTLS required off it), Teams' local mode and the Playground (requests served only from it).
// Literal names only: a name that needs a resolver could be made to point anywhere.
import { BlockList, isIP } from "node:net";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** An IP literal on the loopback range: 127.0.0.0/8 (also as ::ffff:127.x.y.z) or ::1, in any spelling. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const ip = address.replace(/^::ffff:(?=\d+\.)/i, "");
  const family = isIP(ip);
  return family !== 0 && LOOPBACK.check(ip, family === 4 ? "ipv4" : "ipv6");
}

/** `localhost` or a loopback IP literal (IPv6 in brackets or not), case and a trailing dot ignored. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.trim().toLowerCase().replace(/\.$/, "");
  return name === "localhost" || isLoopbackAddress(name.replace(/^\[(.*)\]$/, "$1"));
}

/** A Host or Origin a browser on this machine sends (`*.localhost` resolves to it in browsers). */
export function isLocalHostname(hostname: string): boolean {
  return isLoopbackName(hostname) || hostname.toLowerCase().replace(/\.$/, "").endsWith(".localhost");
}

/** An http(s) URL on this machine. */
export function isLoopbackUrl(url: unknown): boolean {
  if (typeof url !== "string") return false;
  try {
    const u = new URL(url);
    return (u.protocol === "http:" || u.protocol === "https:") && isLocalHostname(u.hostname);
  } catch {
    return false;
  }
}
