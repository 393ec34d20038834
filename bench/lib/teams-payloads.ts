// What benchmark 2 sends to `POST /api/messages`: the Bot Framework activities Teams sends for the
// "Reset passcode" message extension, shaped like test/support/teams-harness.ts builds them (Ada,
// an admin of the demo inventory, in an IT channel). No token: both bots run without an app id
// (local mode), which accepts loopback requests only, and reply to `serviceUrl` (a fake Bot
// Connector on this machine). Every activity gets an id and timestamp of its own.
import type { SignedRequest } from "./slack-payloads.ts";

export const TENANT = "tenant-bench";
export const BOT = { id: "28:latchkey-bot", name: "Latchkey" };
export const CHANNEL = "19:itops-bench@thread.tacv2";
export const TEAM = "19:team-bench@thread.tacv2";

/** Ada (admin in the demo inventory) resets a device of Felix's. */
export const ADA = {
  id: "29:ada",
  aadObjectId: "aad-ada",
  name: "Ada Admin",
  email: "ada.admin@example.com",
};
export const FELIX = {
  id: "29:felix",
  aadObjectId: "aad-felix",
  name: "Felix Field",
  email: "felix.field@example.com",
};

/**
 * `fetchTask`: the compose box's "Reset passcode" (opens the person dialog); `submitForm`: the
 * dialog's person submitted (answers with the person's devices and the capability verdicts);
 * `submitConfirm`: a device chosen and "Next" (answers with the sealed confirmation).
 */
export type TeamsKind = "fetchTask" | "submitForm" | "submitConfirm";
export const TEAMS_KINDS: TeamsKind[] = ["fetchTask", "submitForm", "submitConfirm"];

let seq = 0;

function base(serviceUrl: string): Record<string, unknown> {
  return {
    id: `bench-${process.pid}-${++seq}`,
    channelId: "msteams",
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: ADA.id, name: ADA.name, aadObjectId: ADA.aadObjectId },
    recipient: BOT,
    conversation: { id: CHANNEL, conversationType: "channel", tenantId: TENANT, isGroup: true },
    channelData: { tenant: { id: TENANT }, team: { id: TEAM }, channel: { id: CHANNEL } },
    locale: "en-US",
  };
}

/** The activity for `kind`; `deviceId` is the device chosen on the form (submitConfirm only). */
export function teamsActivity(kind: TeamsKind, serviceUrl: string, deviceId = ""): Record<string, unknown> {
  const common = { commandId: "resetPasscode", commandContext: "compose", context: { theme: "default" } };
  if (kind === "fetchTask") {
    return { ...base(serviceUrl), type: "invoke", name: "composeExtension/fetchTask", value: common };
  }
  const data =
    kind === "submitForm"
      ? { verb: "reset.form", owner: FELIX.email }
      : { verb: "reset.confirm", owner: FELIX.email, deviceId, notifyUser: "false" };
  return {
    ...base(serviceUrl),
    type: "invoke",
    name: "composeExtension/submitAction",
    value: { ...common, data },
  };
}

export function jsonRequest(activity: Record<string, unknown>): SignedRequest {
  return { body: JSON.stringify(activity), headers: { "content-type": "application/json" } };
}

/** `size` activities built now (off the measured path); `next()` hands them out, then cycles. */
export function activityPool(size: number, make: () => Record<string, unknown>): { next(): SignedRequest } {
  const pool = Array.from({ length: Math.max(1, Math.min(size, 4000)) }, () => jsonRequest(make()));
  let i = 0;
  return { next: () => pool[i++ % pool.length] as SignedRequest };
}

/** The adaptive card inside a message extension's answer (`task.value.card.content`). */
export function dialogCard(answer: unknown): Record<string, unknown> | null {
  const card = (answer as { task?: { value?: { card?: { content?: unknown } } } })?.task?.value?.card
    ?.content;
  return card && typeof card === "object" ? (card as Record<string, unknown>) : null;
}

/** The first device a reset form offers (its Input.ChoiceSet "deviceId"). */
export function firstChoice(card: unknown): string | null {
  let found: string | null = null;
  const walk = (x: unknown): void => {
    if (found || !x || typeof x !== "object") return;
    const o = x as Record<string, unknown>;
    if (o.type === "Input.ChoiceSet" && o.id === "deviceId" && Array.isArray(o.choices)) {
      const value = (o.choices[0] as { value?: unknown } | undefined)?.value;
      if (typeof value === "string") found = value;
      return;
    }
    for (const v of Array.isArray(x) ? x : Object.values(o)) walk(v);
  };
  walk(card);
  return found;
}
