// Sends what Slack would send to Latchkey's Bolt HTTP receiver (`POST /slack/events`): signed slash
// commands, interaction payloads and Events API envelopes, shaped like the real ones so Bolt routes
// them as it would in production. Given the fake Slack API, it takes trigger ids and response_urls
// from it (so trigger reuse and expiry are enforced) and fills views and messages from what the fake
// holds, so a test only names what it changes.
import { createHmac } from "node:crypto";
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import { viewProblems } from "../../src/local-platforms/slack-limits.ts";
import type { FakeSlack, FakeSlackView } from "../fakes/fake-slack-api.ts";

/** A Bolt logger that says nothing, for Apps a test builds by hand. */
export const quietBoltLogger: BoltLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

export interface SlackHttpResult {
  status: number;
  body: string;
  /** The parsed body; undefined for an empty body (a bare ack). */
  json(): unknown;
}

export interface StateValue {
  type: string;
  value?: string | null;
  selected_option?: { text?: { type: "plain_text"; text: string }; value: string } | null;
  selected_options?: { text?: { type: "plain_text"; text: string }; value: string }[];
  selected_user?: string | null;
  selected_conversation?: string | null;
}
export type StateValues = Record<string, Record<string, StateValue>>;

/** Types `view.state.values` for a submission: block_id -> action_id -> value. */
export function stateValues(values: StateValues): StateValues {
  return values;
}

/** What the test says about a view; with a fake and a known `id`, the rest comes from the fake. */
export type ViewInput = Record<string, unknown> & {
  id?: string;
  callback_id?: string;
  private_metadata?: string;
  hash?: string;
  state?: { values: StateValues };
};

/** Throws when a view_submission's answer pushes or shows a view Slack would refuse. */
function refusedAnswer(res: SlackHttpResult): void {
  if (res.status !== 200 || !res.body.startsWith("{")) return;
  const answer = JSON.parse(res.body) as { response_action?: string; view?: unknown };
  if (answer.response_action !== "push" && answer.response_action !== "update") return;
  const problems = viewProblems(answer.view);
  if (problems.length > 0) {
    throw new Error(
      `Slack would refuse this response_action ${answer.response_action}: ${problems.join("; ")}`,
    );
  }
}

export interface SlackClientOptions {
  baseUrl: string;
  signingSecret: string;
  teamId?: string;
  fake?: FakeSlack;
}

export function signSlack(
  secret: string,
  body: string,
  timestampSec = Math.floor(Date.now() / 1000),
): Record<"x-slack-signature" | "x-slack-request-timestamp", string> {
  const digest = createHmac("sha256", secret).update(`v0:${timestampSec}:${body}`).digest("hex");
  return { "x-slack-signature": `v0=${digest}`, "x-slack-request-timestamp": String(timestampSec) };
}

// Bolt compares the content type exactly: "application/x-www-form-urlencoded;charset=UTF-8" (what
// fetch sets for URLSearchParams bodies) would be parsed as JSON and fail.
const FORM = "application/x-www-form-urlencoded";
const APP_ID = "A0LATCHKEY";
const VERIFICATION_TOKEN = "legacy-verification-token";

export function createSlackClient({ baseUrl, signingSecret, teamId: team, fake }: SlackClientOptions) {
  const teamId = team ?? fake?.teamId ?? "T0FAKE";
  const teamObj = { id: teamId, domain: "fake-latchkey" };
  let seq = 0;
  const triggerId = (viewId?: string) => fake?.issueTriggerId(viewId) ?? `${++seq}.${Date.now()}.trigger`;
  const responseUrl = () => fake?.responseUrl() ?? `https://hooks.slack.invalid/commands/${++seq}`;
  const userObj = (userId: string) => ({
    id: userId,
    username: fake?.user(userId)?.name ?? userId,
    name: fake?.user(userId)?.name ?? userId,
    team_id: teamId,
  });

  async function raw(body: string, headers: Record<string, string>): Promise<SlackHttpResult> {
    const res = await fetch(`${baseUrl}/slack/events`, { method: "POST", headers, body });
    const text = await res.text();
    return { status: res.status, body: text, json: () => (text === "" ? undefined : JSON.parse(text)) };
  }
  const signed = (body: string, contentType: string, extra: Record<string, string> = {}) =>
    raw(body, { "content-type": contentType, ...signSlack(signingSecret, body), ...extra });
  const interaction = (payload: object) =>
    signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM);

  /** The view as Slack would send it back: what the fake stored under `id`, overridden by the input. */
  function fullView(input: ViewInput): FakeSlackView | ViewInput {
    const stored = input.id ? fake?.views.get(input.id) : undefined;
    const view = { type: "modal", blocks: [], private_metadata: "", ...stored, ...input };
    return { ...view, state: input.state ?? { values: {} } };
  }

  return {
    raw,

    command(o: {
      userId: string;
      text: string;
      channelId?: string;
      command?: string;
      triggerId?: string;
      responseUrl?: string;
    }) {
      const channelId = o.channelId ?? "C0GENERAL";
      const form = new URLSearchParams({
        token: VERIFICATION_TOKEN,
        team_id: teamId,
        team_domain: teamObj.domain,
        channel_id: channelId,
        channel_name: channelId.startsWith("D") ? "directmessage" : "general",
        user_id: o.userId,
        user_name: userObj(o.userId).name,
        command: o.command ?? "/reset-passcode",
        text: o.text,
        api_app_id: APP_ID,
        is_enterprise_install: "false",
        response_url: o.responseUrl ?? responseUrl(),
        trigger_id: o.triggerId ?? triggerId(),
      });
      return signed(form.toString(), FORM);
    },

    /**
     * Submits a modal. With the fake, a `response_action` view (push, update) is checked against
     * Slack's view limits as Slack (and the Playground) would check it: one it would refuse fails the
     * test here.
     */
    async viewSubmission(o: { userId: string; view: ViewInput; triggerId?: string }) {
      const view = fullView(o.view);
      const res = await interaction({
        type: "view_submission",
        team: teamObj,
        user: userObj(o.userId),
        api_app_id: APP_ID,
        token: VERIFICATION_TOKEN,
        trigger_id: o.triggerId ?? triggerId(typeof view.id === "string" ? view.id : undefined),
        view,
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      });
      if (fake) refusedAnswer(res);
      return res;
    },

    blockAction(o: {
      userId: string;
      actionId: string;
      value?: string;
      blockId?: string;
      channelId?: string;
      messageTs?: string;
      view?: ViewInput;
      triggerId?: string;
    }) {
      const view = o.view ? fullView(o.view) : undefined;
      const viewId = typeof view?.id === "string" ? view.id : undefined;
      // Without channel/ts, the click lands on the latest message the fake holds that shows the button.
      const stored = fake
        ?.allMessages()
        .filter((m) => (o.channelId ?? m.channel) === m.channel)
        .findLast((m) => (o.messageTs ? m.ts === o.messageTs : findElement(m.blocks, o.actionId)));
      const channelId = o.channelId ?? stored?.channel ?? "C0GENERAL";
      const messageTs = o.messageTs ?? stored?.ts ?? `${Math.floor(Date.now() / 1000)}.000100`;
      const element = findElement(view ? view.blocks : stored?.blocks, o.actionId);
      const surface = view
        ? { container: { type: "view", view_id: viewId }, view }
        : {
            container: { type: "message", message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
            channel: { id: channelId, name: "general" },
            message: {
              type: "message",
              ts: messageTs,
              bot_id: fake?.botId,
              text: stored?.text ?? "",
              blocks: stored?.blocks ?? [],
            },
            response_url: responseUrl(),
          };
      return interaction({
        type: "block_actions",
        team: teamObj,
        user: userObj(o.userId),
        api_app_id: APP_ID,
        token: VERIFICATION_TOKEN,
        trigger_id: o.triggerId ?? triggerId(viewId),
        ...surface,
        state: { values: {} },
        actions: [
          {
            action_id: o.actionId,
            block_id: o.blockId ?? element?.blockId ?? "actions",
            value: o.value ?? element?.value,
            type: "button",
            action_ts: `${Date.now() / 1000}`,
          },
        ],
        is_enterprise_install: false,
        enterprise: null,
      });
    },

    shortcut(o: { userId: string; callbackId: string; triggerId?: string }) {
      return interaction({
        type: "shortcut",
        token: VERIFICATION_TOKEN,
        action_ts: `${Date.now() / 1000}`,
        team: teamObj,
        user: userObj(o.userId),
        is_enterprise_install: false,
        enterprise: null,
        callback_id: o.callbackId,
        trigger_id: o.triggerId ?? triggerId(),
      });
    },

    /** An Events API delivery; pass the `eventId` of an earlier one with `retryNum` to play a redelivery. */
    async event(
      event: object,
      o: { retryNum?: number; retryReason?: string; eventId?: string } = {},
    ): Promise<SlackHttpResult & { eventId: string }> {
      const eventId = o.eventId ?? `Ev${String(++seq).padStart(8, "0")}`;
      const now = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        token: VERIFICATION_TOKEN,
        team_id: teamId,
        api_app_id: APP_ID,
        event: { event_ts: `${Date.now() / 1000}`, ...event },
        type: "event_callback",
        event_id: eventId,
        event_time: now,
        authorizations: [
          {
            enterprise_id: null,
            team_id: teamId,
            user_id: fake?.botUserId ?? "U0LATCHKEY",
            is_bot: true,
            is_enterprise_install: false,
          },
        ],
        is_ext_shared_channel: false,
      });
      const retry: Record<string, string> =
        o.retryNum === undefined
          ? {}
          : {
              "x-slack-retry-num": String(o.retryNum),
              "x-slack-retry-reason": o.retryReason ?? "http_timeout",
            };
      return { ...(await signed(body, "application/json", retry)), eventId };
    },
  };
}

export type SlackClient = ReturnType<typeof createSlackClient>;

/** The block holding the element with `actionId` (section accessory, actions or input element). */
function findElement(blocks: unknown, actionId: string): { blockId: string; value?: string } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as Record<string, unknown>[]) {
    const elements = [
      block.accessory,
      block.element,
      ...(Array.isArray(block.elements) ? block.elements : []),
    ];
    const hit = elements.find((e) => (e as { action_id?: unknown } | undefined)?.action_id === actionId) as
      | { value?: unknown }
      | undefined;
    if (hit && typeof block.block_id === "string") {
      return { blockId: block.block_id, ...(typeof hit.value === "string" ? { value: hit.value } : {}) };
    }
  }
  return undefined;
}
