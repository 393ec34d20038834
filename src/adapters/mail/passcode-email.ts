// The email that carries a new passcode, to the admin who asked or to the device's user.
import { PLATFORM_NAMES } from "../../core/labels.ts";
import type { PasscodeLetter } from "../../core/ports.ts";

const readable = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", dateStyle: "full", timeStyle: "short" });

export function renderPasscodeEmail(
  letter: PasscodeLetter,
  opts: { publicUrl: string },
): { subject: string; text: string; html: string } {
  const { device, request, requester, recipient, passcode, toDeviceUser, caveat } = letter;
  const deviceName = oneLine(device.name) || device.id;
  const platform = PLATFORM_NAMES[device.platform] ?? device.platform;
  const askedAt = request.createdAt;
  const when = `${readable.format(askedAt)} UTC (${askedAt.toISOString()})`;

  const subject = caveat
    ? `Possible new passcode for "${deviceName}" (${platform}): the device did not confirm it`
    : toDeviceUser
      ? `Your device "${deviceName}" has a new passcode`
      : `New passcode for "${deviceName}" (${platform})`;
  const self = requester.email === recipient.email;
  const intro = caveat
    ? caveat
    : !toDeviceUser
      ? "You asked Latchkey to reset the passcode of this device and lock it."
      : self
        ? "As you asked, Latchkey has locked your device with a new passcode."
        : "Your IT team has reset the passcode of your device and locked it.";
  const facts: [string, string][] = [
    ["Device", `${deviceName} (${platform}, id ${device.id})`],
    ["Device user", device.ownerEmail],
    ["Asked by", `${requester.name} <${requester.email}>`],
    ["Asked at", when],
    ["Request", request.id],
  ];
  const steps = toDeviceUser
    ? [
        "Unlock the device with the passcode above.",
        "Then set a passcode of your own in the device settings.",
        self
          ? "If you find the device, unlock it with this passcode and tell your IT team."
          : `If you did not expect this, contact your IT team right away (the request came from ${requester.email}).`,
      ]
    : [
        request.notifyUser && device.ownerEmail !== recipient.email
          ? "The device user was sent this passcode directly too; if they cannot read it, give it to them by a trusted channel (in person or by phone)."
          : "Give this passcode to the device user by a trusted channel: in person or by phone, not in a group chat.",
        "It is sent only once: Latchkey erases its encrypted copy shortly after delivery and cannot send it again.",
        `Quote request ${request.id} if you need to follow it up.`,
      ];
  const notes =
    device.managementMode === "profile_owner"
      ? ["This passcode unlocks the work profile only, not the device's own screen lock."]
      : [];
  const base = opts.publicUrl.replace(/\/$/, "");

  const text = [
    `Hello ${oneLine(recipient.name) || recipient.email},`,
    "",
    intro,
    "",
    ...facts.map(([k, v]) => `${`${k}:`.padEnd(13)}${v}`),
    "",
    "New passcode:",
    "",
    `    ${passcode}`,
    "",
    ...notes.flatMap((n) => [n, ""]),
    "What to do next:",
    ...steps.map((s, i) => `${i + 1}. ${s}`),
    "",
    `Sent by Latchkey (${base}).`,
    "",
  ].join("\n");

  const html = `<!doctype html>
<html><body style="font-family:sans-serif;color:#222;max-width:40em">
<p>Hello ${esc(oneLine(recipient.name) || recipient.email)},</p>
<p>${esc(intro)}</p>
<table style="border-collapse:collapse">
${facts.map(([k, v]) => `<tr><th style="text-align:left;padding:2px 12px 2px 0">${esc(k)}</th><td>${esc(v)}</td></tr>`).join("\n")}
</table>
<p>New passcode:</p>
<p style="font-family:monospace;font-size:28px;font-weight:bold;letter-spacing:4px;padding:12px;border:1px solid #ccc;display:inline-block">${esc(passcode)}</p>
${notes.map((n) => `<p><strong>${esc(n)}</strong></p>`).join("\n")}
<p>What to do next:</p>
<ol>
${steps.map((s) => `<li>${esc(s)}</li>`).join("\n")}
</ol>
<p style="color:#777;font-size:12px">Sent by <a href="${esc(base)}">Latchkey</a>.</p>
</body></html>
`;
  return { subject, text, html };
}

/** Device names are user data: no line breaks in a subject or a text line. */
function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, " ").trim();
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
