// The caller's address, for the device API's per-address limits and their audit rows. Behind
// reverse proxies each one appends the address it got the call from to X-Forwarded-For, so with
// TRUST_PROXY_HOPS=N the caller is the address N hops in from the socket's peer (the nearest
// proxy is hop 0). Entries further left are whatever the caller wrote itself and are never
// believed; with 0 hops (the default) the header is ignored, as nobody vouches for it.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  const peer = req.socket.remoteAddress ?? "";
  if (trustedHops <= 0) return peer;
  const header = req.headers["x-forwarded-for"];
  const listed = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",");
  // Nearest first: the peer, then each address the proxies added, right to left.
  const chain = [
    peer,
    ...listed
      .map((s) => s.trim())
      .filter(Boolean)
      .reverse(),
  ];
  // Fewer entries than trusted hops (a call that bypassed a proxy): the furthest one known.
  const picked = chain[Math.min(trustedHops, chain.length - 1)] ?? peer;
  return bareAddress(picked) ?? peer;
}

/** "203.0.113.7", "203.0.113.7:51234", "[2001:db8::1]:443" or "2001:db8::1" -> the address alone. */
function bareAddress(entry: string): string | null {
  if (isIP(entry)) return entry;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry)?.[1];
  if (bracketed && isIP(bracketed) === 6) return bracketed;
  const v4 = /^([\d.]+):\d+$/.exec(entry)?.[1];
  if (v4 && isIP(v4) === 4) return v4;
  return null;
}
