// Benchmark 3's side of Slack: the fleet it resets (people, phones, channels), the reset modal
// driven the way an admin goes through it, and the signed confirmations sent as fast as they are
// accepted.
import { type Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { E2eSlack } from "./e2e-slack.ts";
import { type FormView, type SignedRequest, sign, submissionBody } from "./slack-payloads.ts";

const TEAM = { id: "T0BENCH", domain: "latchkey-bench" };
const ADMIN = { id: "UADA", name: "ada", email: "ada.admin@example.com" };
const CHANNEL = (k: number) => `C0E2E${String(k).padStart(4, "0")}`;
const owner = (i: number) => `owner-${String(i).padStart(5, "0")}@bench.example`;
export const deviceOf = (i: number) => `bench-dev-${String(i).padStart(5, "0")}`;

export function inventory(n: number): string {
  const now = new Date().toISOString();
  const people = [
    { email: ADMIN.email, name: "Ada Admin", role: "admin" },
    ...Array.from({ length: n }, (_, i) => ({ email: owner(i), name: `Owner ${i}`, role: "employee" })),
  ];
  const devices = Array.from({ length: n }, (_, i) => ({
    id: deviceOf(i),
    owner: owner(i),
    name: `Bench phone ${i}`,
    platform: "android",
    osVersion: "6.0.1",
    managementMode: "device_admin",
    passcodeSet: true,
    passcodePolicy: { enforced: true, type: "numeric", minLength: 6, complexity: "medium" },
    lastSeenAt: now,
  }));
  return JSON.stringify({ people, devices });
}

/**
 * The reset modal the way an admin goes through it, for device 0: `/reset-passcode owner@…`, the
 * form Latchkey opens (on the fake), "Next" with the device chosen. Returns the
 * confirmation Latchkey pushed.
 */
export async function wizard(url: string, fake: E2eSlack): Promise<Record<string, unknown>> {
  const command = new URLSearchParams({
    token: "legacy-verification-token",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: CHANNEL(0),
    channel_name: "e2e-0",
    user_id: ADMIN.id,
    user_name: ADMIN.name,
    command: "/reset-passcode",
    text: owner(0),
    api_app_id: "A0LATCHKEY",
    is_enterprise_install: "false",
    response_url: `${fake.url}/response/e2e-wizard`,
    trigger_id: `${Date.now()}.e2e.wizard`,
  }).toString();
  const acked = await post(url, sign(command));
  if (acked.status !== 200) throw new Error(`the command was answered ${acked.status} ${acked.body}`);
  let form: FormView | null = null;
  await waitFor(
    async () => {
      form = (await fake.lastModal()) as FormView | null;
      return form?.callback_id === "reset_form";
    },
    15_000,
    "the reset form",
  );
  const next = await post(url, sign(submissionBody(form as unknown as FormView, deviceOf(0))));
  const pushed = JSON.parse(next.body || "{}") as {
    response_action?: string;
    view?: Record<string, unknown>;
  };
  if (pushed.response_action !== "push" || pushed.view?.callback_id !== "reset_confirm") {
    throw new Error(`"Next" did not push the confirmation: ${next.body.slice(0, 300)}`);
  }
  return pushed.view;
}

/** "Reset and lock" on the confirmation of reset `i` (its own view id, channel, owner and device). */
export function confirmBody(template: Record<string, unknown>, i: number, channels: number): SignedRequest {
  const meta = JSON.parse(String(template.private_metadata ?? "{}")) as Record<string, unknown>;
  const view = {
    ...template,
    id: `VE2E${String(i).padStart(6, "0")}`,
    hash: `${Date.now()}.e2e${i}`,
    private_metadata: JSON.stringify({
      ...meta,
      c: CHANNEL(i % channels),
      o: owner(i),
      d: deviceOf(i),
      n: false,
    }),
    state: { values: {} },
  };
  const payload = {
    type: "view_submission",
    team: TEAM,
    user: { id: ADMIN.id, username: ADMIN.name, name: ADMIN.name, team_id: TEAM.id },
    api_app_id: "A0LATCHKEY",
    token: "legacy-verification-token",
    trigger_id: `${Date.now()}.e2e.${i}`,
    view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return sign(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

export function post(
  url: string,
  signed: SignedRequest,
  agent?: Agent,
): Promise<{ status: number; body: string }> {
  return new Promise((ok) => {
    const req = request(url, {
      method: "POST",
      agent,
      headers: { ...signed.headers, "content-length": Buffer.byteLength(signed.body) },
    });
    req.setTimeout(30_000, () => req.destroy(new Error("timed out")));
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (err) => ok({ status: 0, body: err.message }));
    req.end(signed.body);
  });
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Until the fake Slack API has had no call for `quietMs` (or the deadline passed). */
export async function slackQuiet(fake: E2eSlack, quietMs: number, deadline: number): Promise<void> {
  let last = await fake.last();
  while (Date.now() < deadline) {
    await sleep(quietMs);
    const now = await fake.last();
    if (now.calls === last.calls) return;
    last = now;
  }
}
