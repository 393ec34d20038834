import { afterAll, beforeAll, expect, vi } from "vitest";
import { VIEWS } from "../../src/adapters/slack/ids.ts";
import type { StartOptions } from "../../src/compose.ts";
import {
  type FakeSlack,
  type FakeSlackCall,
  type FakeSlackMessage,
  type FakeSlackOptions,
  type FakeSlackUser,
  type FakeSlackView,
  startFakeSlack,
} from "../fakes/fake-slack-api.ts";
import { type Embedded, startEmbedded } from "./embedded.ts";
import { createSlackClient, type SlackClient, type StateValues } from "./slack-requests.ts";

export const SIGNING_SECRET = "test-signing-secret";
export const SECURITY_CHANNEL = "C0SECURITY";
/** Ada, an IT admin of the demo inventory: who runs the flows below unless a test says otherwise. */
const ADMIN = "UADA";

/** Slack users of the fake workspace: the demo inventory's people, and a few who are not in it. */
export const SLACK_USERS: FakeSlackUser[] = [
  { id: "UADA", name: "ada", realName: "Ada Admin", email: "ada.admin@example.com" },
  { id: "USAM", name: "sam", realName: "Sam Security", email: "sam.security@example.com" },
  { id: "UERIN", name: "erin", realName: "Erin Engineer", email: "erin.engineer@example.com" },
  { id: "UFELIX", name: "felix", realName: "Felix Field", email: "felix.field@example.com" },
  { id: "UOMAR", name: "omar", realName: "Omar Ops", email: "omar.ops@example.com" },
  { id: "UPRIYA", name: "priya", realName: "Priya Product", email: "priya.product@example.com" },
  { id: "UMIA", name: "mia", realName: "Mia Marketing", email: "mia.marketing@example.com" },
  { id: "ULEO", name: "leo", realName: "Leo Legal", email: "leo.legal@example.com" },
  { id: "UGUEST", name: "guest", realName: "Guest Without Email" },
  { id: "USTRANGER", name: "stranger", realName: "Not In Inventory", email: "stranger@elsewhere.example" },
  { id: "UBOT", name: "somebot", realName: "Some Bot", email: "bot@example.com", isBot: true },
];

/** Latchkey on embedded defaults (stop() also closes the fake) with the fake platform and its client. */
export interface SlackHarness extends Embedded {
  fake: FakeSlack;
  slack: SlackClient;
}

export async function startSlackHarness(
  env: Record<string, string> = {},
  opts: StartOptions = {},
  fakeOptions: Omit<FakeSlackOptions, "users"> = {},
): Promise<SlackHarness> {
  const fake = await startFakeSlack({ users: SLACK_USERS, ...fakeOptions });
  const embedded = await startEmbedded(
    "slack",
    {
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_SECURITY_CHANNEL: SECURITY_CHANNEL,
      ...env,
    },
    () => ({
      slack: {
        postIntervalMs: 0,
        updateIntervalMs: 0,
        retries: { retries: 2, minTimeout: 10, maxTimeout: 50 },
        ...opts.slack,
      },
      ...(opts.intuneCa ? { intuneCa: opts.intuneCa } : {}),
    }),
  );
  const { running } = embedded;
  const slack = createSlackClient({ baseUrl: running.url, signingSecret: SIGNING_SECRET, fake });
  return {
    ...embedded,
    fake,
    slack,
    async stop() {
      await embedded.stop();
      await fake.close();
    },
  };
}

/**
 * The harness of the enclosing `describe` block: started before its first test, stopped after its
 * last. The returned object is filled in by that `beforeAll`, so use it only in hooks and tests
 * (a `beforeAll` registered after this call already sees it started).
 */
export function useSlackHarness(...args: Parameters<typeof startSlackHarness>): SlackHarness {
  const h = {} as SlackHarness;
  let started: SlackHarness | undefined;
  beforeAll(async () => {
    started = await startSlackHarness(...args);
    Object.assign(h, started);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return h;
}

/**
 * The first `method` call the fake received after the first `since` ones (and matching `where`):
 * take `since` from `h.fake.callsTo(method).length` before acting.
 */
export function nextCall(
  h: SlackHarness,
  method: string,
  since: number,
  where: (call: FakeSlackCall) => boolean = () => true,
): Promise<FakeSlackCall> {
  return h.fake.waitFor((c) => c.method === method && h.fake.callsTo(method).indexOf(c) >= since && where(c));
}

/**
 * The modal a command, shortcut or button showed, from call `since` of the fake on: its content
 * opened at once, or the views.update that replaced the loading view (when the content was slow).
 */
export async function shownModal(
  h: SlackHarness,
  since: number,
  timeoutMs?: number,
): Promise<{ view: FakeSlackView; viewId: string; call: FakeSlackCall }> {
  const call = await h.fake.waitFor(
    (c) =>
      (c.method === "views.open" || c.method === "views.update") &&
      h.fake.calls.indexOf(c) >= since &&
      (c.args.view as FakeSlackView | undefined)?.callback_id !== VIEWS.loading,
    timeoutMs,
  );
  expect(call.error).toBeUndefined();
  return { view: call.args.view as FakeSlackView, viewId: String(call.viewId), call };
}

/**
 * Runs `/reset-passcode <text>` in `channel` (as Ada unless `userId` says otherwise): the command is
 * acked with an empty body and opens a modal. Returns what that modal shows (the reset form, or
 * whatever it says instead) and its view id.
 */
export async function openResetForm(
  h: SlackHarness,
  o: { userId?: string; text: string; channel: string },
): Promise<{ form: FakeSlackView; viewId: string }> {
  const since = h.fake.calls.length;
  const res = await h.slack.command({ userId: o.userId ?? ADMIN, text: o.text, channelId: o.channel });
  expect(res.status).toBe(200);
  expect(res.body).toBe("");
  const { view, viewId } = await shownModal(h, since);
  return { form: view, viewId };
}

/**
 * Chooses `deviceId` on a device form (the reset form, or the lost-device one) and presses Next;
 * returns the confirmation Slack is told to push. On the reset form, `notifyUser` says whether "Also
 * send the new passcode to the device user" is ticked (left out, the form is sent without that box).
 */
export async function chooseDevice(
  h: SlackHarness,
  o: { userId?: string; viewId: string; deviceId: string; notifyUser?: boolean },
): Promise<FakeSlackView> {
  const values: StateValues = {
    device_block: { device: { type: "radio_buttons", selected_option: { value: o.deviceId } } },
  };
  if (o.notifyUser !== undefined) {
    const ticked = o.notifyUser ? [{ value: "yes" }] : [];
    values.notify_block = { notify_user: { type: "checkboxes", selected_options: ticked } };
  }
  const res = await h.slack.viewSubmission({
    userId: o.userId ?? ADMIN,
    view: { id: o.viewId, state: { values } },
  });
  expect(res.status).toBe(200);
  const body = res.json() as { response_action: string; view: FakeSlackView };
  expect(body.response_action).toBe("push");
  return body.view;
}

/**
 * An admin's reset up to its confirmation: `/reset-passcode <target>` in `channel`, the reset form,
 * `deviceId` chosen (and the device user told too with `notifyUser`), Next. Returns the pushed
 * "Reset and lock" confirmation, not yet submitted.
 */
export async function confirmationFor(
  h: SlackHarness,
  o: { userId?: string; target: string; channel: string; deviceId: string; notifyUser?: boolean },
): Promise<FakeSlackView> {
  const { form, viewId } = await openResetForm(h, { userId: o.userId, text: o.target, channel: o.channel });
  expect(form.callback_id).toBe("reset_form");
  const confirmation = await chooseDevice(h, {
    userId: o.userId,
    viewId,
    deviceId: o.deviceId,
    notifyUser: o.notifyUser ?? false,
  });
  expect(confirmation.callback_id).toBe("reset_confirm");
  return confirmation;
}

/**
 * Submits a confirmation ("Reset and lock", or "Lock it now" on a lost-device report) as `userId`
 * (Ada by default); `viewId` stands for the id Slack gave the pushed or opened view. Slack is told
 * to close the modals.
 */
export async function submitConfirmation(
  h: SlackHarness,
  view: Record<string, unknown>,
  viewId: string,
  userId = ADMIN,
): Promise<void> {
  const res = await h.slack.viewSubmission({ userId, view: { ...view, id: viewId } });
  expect(res.status).toBe(200);
  expect(res.json()).toEqual({ response_action: "clear" });
}

/** The latest request for `deviceId`, waiting for one to exist. */
export async function requestFor(h: SlackHarness, deviceId: string) {
  return vi.waitFor(async () => {
    const [latest] = await h.running.core.engine.stores.requests.list({ limit: 1, deviceId });
    if (!latest) throw new Error(`no request for ${deviceId} yet`);
    return latest;
  });
}

/** A request's status message: a thread root naming it, with its Details button (a passcode DM has none). */
export function isStatusOf(m: FakeSlackMessage, requestId: string): boolean {
  const blocks = JSON.stringify(m.blocks);
  return !m.thread_ts && blocks.includes(requestId) && blocks.includes("request_details");
}

/** Waits for the status message of `requestId` in `channel`. */
export function waitForStatus(
  h: SlackHarness,
  channel: string,
  requestId: string,
  timeoutMs?: number,
): Promise<FakeSlackMessage> {
  return h.fake.waitForMessage(channel, (m) => isStatusOf(m, requestId), timeoutMs);
}

/** Waits for a reply in the thread of the status message `rootTs` whose text includes `line`. */
export function waitForThreadLine(
  h: SlackHarness,
  channel: string,
  rootTs: string,
  line: string,
  timeoutMs?: number,
): Promise<FakeSlackMessage> {
  return h.fake.waitForMessage(channel, (m) => m.thread_ts === rootTs && m.text.includes(line), timeoutMs);
}

/**
 * Waits for the request's status message in `channel`, for its thread to say *Completed*, and for
 * the status message itself to show Completed; returns the status message.
 */
export async function completedThread(
  h: SlackHarness,
  channel: string,
  requestId: string,
  timeoutMs = 10_000,
): Promise<FakeSlackMessage> {
  const status = await waitForStatus(h, channel, requestId, timeoutMs);
  await waitForThreadLine(h, channel, status.ts, "*Completed*", timeoutMs);
  await expect
    .poll(() => h.fake.messages(channel).find((m) => m.ts === status.ts)?.text)
    .toContain("Completed");
  return status;
}

/** Waits for a passcode DM in `channel` (one showing "New passcode"), mentioning `mark` when given. */
export function waitForPasscodeDm(h: SlackHarness, channel: string, mark = ""): Promise<FakeSlackMessage> {
  return h.fake.waitForMessage(channel, (m) => {
    const blocks = JSON.stringify(m.blocks);
    return blocks.includes("New passcode") && blocks.includes(mark);
  });
}

/** The passcode a passcode DM shows ("*New passcode:* `12345678`"); empty when it shows none. */
export function passcodeIn(message: { blocks: unknown[] } | undefined): string {
  const blocks = JSON.stringify(message?.blocks ?? []).replace(/\\"/g, '"');
  return /New passcode:\*\s*`([^`]+)`/.exec(blocks)?.[1] ?? "";
}
