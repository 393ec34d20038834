// Read-only views for the Playground page: the mail outbox ($DATA_DIR/outbox/*.eml, decoded to
// subject, recipient and plain text), the audit log, and the simulated phones next to the
// inventory's devices.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { auditTrail } from "../core/audit-trail.ts";
import type { Engine } from "../core/engine.ts";
import { deviceList } from "../core/inventory/device-list.ts";
import type { DeviceSimulator } from "../simulator/device-simulator.ts";

export interface OutboxMail {
  file: string;
  date: string;
  to: string;
  subject: string;
  text: string;
}

const MAX_MAILS = 30;

export async function readOutbox(dir: string): Promise<OutboxMail[]> {
  let files: string[] = [];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith(".eml"));
  } catch {
    return [];
  }
  // Outbox names start with a timestamp: the newest last, keep the latest few.
  const latest = files.sort().slice(-MAX_MAILS);
  const mails = await Promise.all(latest.map(async (f) => parseEml(f, await readFile(join(dir, f), "utf8"))));
  return mails.reverse();
}

export function parseEml(file: string, raw: string): OutboxMail {
  const { headers, body } = splitPart(raw);
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  let text = "";
  if (boundary) {
    const parts = body.split(`--${boundary}`).slice(1);
    const plain = parts
      .map(splitPart)
      .find((p) => (p.headers["content-type"] ?? "").startsWith("text/plain"));
    if (plain) text = decodeBody(plain.body, plain.headers["content-transfer-encoding"]);
  } else {
    text = decodeBody(body, headers["content-transfer-encoding"]);
  }
  return {
    file,
    date: headers.date ?? "",
    to: decodeWords(headers.to ?? ""),
    subject: decodeWords(headers.subject ?? ""),
    text: text.trim(),
  };
}

function splitPart(raw: string): { headers: Record<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, "\n");
  const end = text.indexOf("\n\n");
  const head = (end < 0 ? text : text.slice(0, end)).replace(/^\n+/, "").replace(/\n[ \t]+/g, " ");
  const headers: Record<string, string> = {};
  for (const line of head.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: end < 0 ? "" : text.slice(end + 2) };
}

function decodeBody(body: string, encoding = "7bit"): string {
  const e = encoding.toLowerCase();
  if (e === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (e === "quoted-printable") return decodeQuotedPrintable(body.replace(/=\n/g, ""));
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i] ?? "", "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= and =?UTF-8?B?...?=) in a header. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : decodeQuotedPrintable(data.replace(/_/g, " ")),
    );
}

export async function auditTail(engine: Engine, limit = 60) {
  const since = new Date(engine.clock.now().getTime() - 7 * 86_400_000);
  const entries = await auditTrail(engine, { since });
  return entries.slice(-limit).reverse();
}

/** Every inventory device with its simulated phone's state (null until it got a first command). */
export async function phones(engine: Engine, simulator: DeviceSimulator | null) {
  const devices = (await deviceList(engine)).map((l) => l.device);
  const simulated = new Map((simulator?.list() ?? []).map((p) => [p.deviceId, p]));
  return devices.map((d) => ({
    id: d.id,
    name: d.name,
    owner: d.ownerEmail,
    platform: d.platform,
    osVersion: d.osVersion,
    phone: simulated.get(d.id) ?? null,
  }));
}
