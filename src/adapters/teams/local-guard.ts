// Local mode verifies no token, so it must serve this machine only (the Emulator, the Agents
// Playground, tests): from anywhere else anyone could pose as an admin. Besides the socket's own
// address, a request that a browser page or a tunnel could have relayed is refused: a foreign
// Origin (a web page posting cross-site), a Host that is not localhost (DNS rebinding), any
// Forwarded / X-Forwarded-* header (ngrok, dev tunnels, reverse proxies), a body that is not JSON
// (a form post needs no CORS preflight). And the bot only ever calls back a loopback serviceUrl.
import type { IncomingMessage } from "node:http";
import { isLocalHostname, isLoopbackAddress, isLoopbackUrl } from "../../loopback.ts";

export interface Refusal {
  status: number;
  message: string;
}

const refuse = (why: string): Refusal => ({
  status: 403,
  message: `Teams runs in local mode (no MICROSOFT_APP_ID): only requests from this machine are accepted (${why}).`,
});

/** Why a request to /api/messages is refused in local mode, or null when it may be processed. */
export function localRequestRefusal(req: IncomingMessage): Refusal | null {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return refuse("it came from another address");
  const forwarded = Object.keys(req.headers).find((h) => h === "forwarded" || h.startsWith("x-forwarded-"));
  if (forwarded) return refuse(`it came through a proxy or tunnel: ${forwarded}`);
  const host = req.headers.host ?? "";
  let hostname = "";
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    hostname = "";
  }
  if (!isLocalHostname(hostname)) return refuse("its Host is not localhost");
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopbackUrl(origin)) return refuse("it came from a web page elsewhere");
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    return { status: 415, message: "Activities are JSON: send Content-Type: application/json." };
  }
  return null;
}
