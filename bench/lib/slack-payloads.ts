// What the benchmarks send to `/slack/events`: slash commands and reset-form submissions shaped
// like Slack's, each signed as Slack signs it. Bolt refuses a timestamp older than 5 minutes and
// Latchkey opens a modal with each command's trigger id (one use each), so every request gets a
// body of its own: a pool is signed before a run (keeping the HMAC off the load generator while it
// measures) and any request past the pool is signed on the spot.
import { signSlack } from "../../test/support/slack-requests.ts";

export const SIGNING_SECRET = "bench-signing-secret";
export const FORM = "application/x-www-form-urlencoded";
const TEAM = { id: "T0BENCH", domain: "latchkey-bench" };
const APP_ID = "A0LATCHKEY";
const TOKEN = "legacy-verification-token";

/** Ada (an admin of the demo inventory) resets a device of Felix's, whom she mentions. */
export const ADMIN = { id: "UADA", name: "ada" };
export const TARGET = { id: "UFELIX", name: "felix" };
export const CHANNEL = "C0GENERAL";

export type PayloadKind = "command" | "submission";

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** The reset form as Latchkey filled it (taken from the fake Slack API), to submit back. */
export interface FormView {
  id: string;
  hash: string;
  callback_id: string;
  private_metadata: string;
  blocks: unknown[];
  [key: string]: unknown;
}

let seq = 0;
const unique = () => `${process.pid}.${++seq}.${Date.now()}`;

/** `/reset-passcode @felix` from Ada; `responseBase` serves its response_url (the fake Slack API). */
export function commandBody(responseBase: string): string {
  return new URLSearchParams({
    token: TOKEN,
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: CHANNEL,
    channel_name: "general",
    user_id: ADMIN.id,
    user_name: ADMIN.name,
    command: "/reset-passcode",
    text: `<@${TARGET.id}|${TARGET.name}>`,
    api_app_id: APP_ID,
    is_enterprise_install: "false",
    response_url: `${responseBase}/response/${unique()}`,
    trigger_id: `${unique()}.bench`,
  }).toString();
}

/** "Next" on the reset form with `deviceId` chosen: Latchkey checks it and pushes a confirmation. */
export function submissionBody(form: FormView, deviceId: string): string {
  const values = {
    device_block: { device: { type: "radio_buttons", selected_option: { value: deviceId } } },
    notify_block: { notify_user: { type: "checkboxes", selected_options: [] } },
  };
  const payload = {
    type: "view_submission",
    team: TEAM,
    user: { id: ADMIN.id, username: ADMIN.name, name: ADMIN.name, team_id: TEAM.id },
    api_app_id: APP_ID,
    token: TOKEN,
    trigger_id: `${unique()}.bench`,
    view: { ...form, state: { values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function sign(body: string): SignedRequest {
  return { body, headers: { "content-type": FORM, ...signSlack(SIGNING_SECRET, body) } };
}

/** Bodies that may repeat (submissions) come from a pool this big at most. */
const REUSED_POOL = 2000;

/**
 * `size` requests signed now; `next()` hands them out in turn, then either signs fresh ones
 * (`fresh`: every body must be new, as commands' trigger ids are) or starts the pool again (still
 * well inside Slack's 5-minute window).
 */
export function signedPool(size: number, makeBody: () => string, fresh: boolean): { next(): SignedRequest } {
  const length = Math.max(1, fresh ? size : Math.min(size, REUSED_POOL));
  const pool = Array.from({ length }, () => sign(makeBody()));
  let i = 0;
  return {
    next: () => pool[i++] ?? (fresh ? sign(makeBody()) : (pool[i % pool.length] as SignedRequest)),
  };
}
