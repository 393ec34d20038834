// The Playground hands its page the Slack signing secret and plays Slack and Teams for it, so it
// serves this machine only: the socket's own address must be loopback, and a request a web page
// elsewhere or a tunnel could have relayed is refused (a foreign Origin, a Host that is not
// localhost, any Forwarded / X-Forwarded-* header), as Teams' local mode does.
import type { IncomingMessage } from "node:http";
import { isLoopbackAddress, isLoopbackUrl } from "../adapters/teams/local-guard.ts";

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
