// How SMTP_URL's connection is protected. Passcodes travel in these messages, so smtp:// to any
// host that is not this machine must upgrade with STARTTLS or fail: nodemailer's default only
// upgrades when the server offers it, and anyone on the path can strip that offer. Loopback is
// exempt (a relay on the same host, a test server), and so is a URL that says so itself:
// `?ignoreTLS=true` (plain text, never upgrade) or `?requireTLS=false` (upgrade when offered).
// smtps:// (or `?secure=true`) is TLS from the first byte.
import { isLoopbackName } from "../../loopback.ts";

export type SmtpTls = "implicit" | "starttls-required" | "opportunistic" | "plain";

export function smtpTlsPolicy(smtpUrl: string): SmtpTls {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    return "starttls-required"; // nodemailer will say what is wrong; nothing here goes out in clear
  }
  const flag = (name: string) => url.searchParams.get(name)?.toLowerCase();
  if (url.protocol === "smtps:" || flag("secure") === "true") return "implicit";
  if (flag("ignoreTLS") === "true") return "plain";
  if (flag("requireTLS") === "false") return "opportunistic";
  return isLoopbackName(url.hostname) ? "opportunistic" : "starttls-required";
}
