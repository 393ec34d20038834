// The Playground hands its page the Slack signing secret and plays Slack and Teams for it, so it
// serves this machine only: the socket's own address must be loopback, and a request a web page
// elsewhere or a tunnel could have relayed is refused (a foreign Origin, a Host that is not
// localhost, any Forwarded / X-Forwarded-* header), as Teams' local mode does. A same-host relay
// that adds no header (nginx's default proxy_pass, socat, ssh -R) passes all of those, so every
// call must also carry the per-start token printed in the start-up banner's URL, as notebook
// servers do.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isLoopbackAddress, isLoopbackUrl } from "../loopback.ts";

/** Why a request to the Playground is refused, or null when it may be served. */
export function playgroundRefusal(req: IncomingMessage): string | null {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return "it came from another address";
  const forwarded = Object.keys(req.headers).find((h) => h === "forwarded" || h.startsWith("x-forwarded-"));
  if (forwarded) return `it came through a proxy or tunnel (${forwarded})`;
  if (!isLoopbackUrl(`http://${req.headers.host ?? ""}/`)) return "its Host is not localhost";
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopbackUrl(origin)) return "it came from a web page elsewhere";
  return null;
}

/** Where a Playground call carried the per-start token, or null when it carried none that matches. */
export type TokenAccess =
  /** In the path (`/playground/t/<token>/...`): Latchkey's own callbacks (Slack Web API, response_url, Bot Connector). */
  | { via: "path"; path: string }
  /** `?token=` on a page load: the answer sets the cookie and sends the browser on without it. */
  | { via: "query"; path: string }
  | { via: "cookie" | "header"; path: string };

export const PLAYGROUND_TOKEN_HEADER = "x-latchkey-playground-token";

/** A fresh token per start: 32 random bytes, base64url. */
export const newPlaygroundToken = () => randomBytes(32).toString("base64url");

/** Digests of equal length, so a comparison takes the same time whatever was sent. */
const digest = (text: string) => createHash("sha256").update(text).digest();

export function tokenMatcher(token: string): (given: string | undefined | null) => boolean {
  const expected = digest(token);
  return (given) => typeof given === "string" && given.length > 0 && timingSafeEqual(digest(given), expected);
}

/**
 * Checks the token of a request under `prefix` (/playground). `path` is what follows the prefix,
 * with a path token removed.
 */
export function playgroundTokenAccess(
  req: IncomingMessage,
  url: URL,
  prefix: string,
  matches: (given: string | undefined | null) => boolean,
  cookieName: string,
): TokenAccess | null {
  const rest = url.pathname.slice(prefix.length);
  const inPath = /^\/t\/([^/]+)(\/.*)?$/.exec(rest);
  if (inPath) return matches(inPath[1]) ? { via: "path", path: inPath[2] ?? "/" } : null;
  const header = req.headers[PLAYGROUND_TOKEN_HEADER];
  if (matches(Array.isArray(header) ? header[0] : header)) return { via: "header", path: rest };
  if (matches(readCookie(req.headers.cookie, cookieName))) return { via: "cookie", path: rest };
  if (req.method === "GET" && matches(url.searchParams.get("token"))) return { via: "query", path: rest };
  return null;
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}
