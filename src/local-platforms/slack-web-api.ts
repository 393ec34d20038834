// Slack's Web API as Latchkey calls it, in process and without a network: the one implementation
// behind the Playground's Slack (src/playground/slack-workspace.ts serves it) and the tests' fake
// Slack (test/fakes/fake-slack-api.ts serves it over HTTP and adds recorded calls and injected
// faults). It keeps what a user would see (channel and DM messages with their edits, ephemerals,
// response_url replies, modals, Home tabs) and refuses what Slack refuses (unknown users, trigger
// ids used twice or late, stale view hashes, the block and text limits of docs/platforms.md).
import { type Args, fail, type Reply, str, tryJson } from "./slack-args.ts";
import { messageProblem } from "./slack-limits.ts";
import { createSlackViews } from "./slack-views.ts";

export interface SlackUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
  tz?: string;
  /** Slack's is_email_confirmed; true unless said otherwise. */
  emailConfirmed?: boolean;
  /** A multi-channel guest (is_restricted) or a single-channel guest (is_ultra_restricted). */
  guest?: "multi-channel" | "single-channel";
}

export interface SlackEdit {
  text: string;
  blocks: unknown[];
  at: Date;
}

export interface SlackMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  /** Each chat.update applied to the message, oldest first (the message holds the latest). */
  edits: SlackEdit[];
}

export interface SlackEphemeral {
  message_ts: string;
  /** When it was posted (ms since the epoch). */
  at: number;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
}

/** A post to a response_url (Bolt's respond()); `id` is the URL's last part. */
export interface SlackResponse {
  id: string;
  body: unknown;
  at: Date;
}

export interface SlackWebApiOptions {
  teamId?: string;
  teamName?: string;
  domain?: string;
  botUserId?: string;
  botId?: string;
  users?: SlackUser[];
  /** Where the workspace's people live when not in `users` (the Playground's directory); read at each call. */
  directory?: () => Promise<SlackUser[]>;
  /** The one bot token accepted (invalid_auth for any other); without it any token is. */
  botToken?: string;
  /** What `apps.connections.open` hands out (Socket Mode); without it that method fails. */
  socketUrl?: string;
  /** Age after which an issued trigger id is refused as expired (Slack: 3 s). */
  triggerTtlMs?: number;
  /** Exchange trigger ids this Slack never issued as fresh ones (payloads a test built itself). */
  acceptUnissuedTriggers?: boolean;
  /** How many of the latest messages, ephemerals and responses are kept (default: all). */
  keep?: number;
  /** Told after every call that changed what a user would see. */
  onChange?: () => void;
}

const MAX_RESPONSES_PER_URL = 5;
/** Methods that change nothing a user sees. */
const READS = new Set(["auth.test", "users.info", "users.lookupByEmail", "apps.connections.open"]);

export function createSlackWebApi(opts: SlackWebApiOptions = {}) {
  const teamId = opts.teamId ?? "T0FAKE";
  const botUserId = opts.botUserId ?? "U0LATCHKEY";
  const botId = opts.botId ?? "B0LATCHKEY";
  const domain = opts.domain ?? "fake-latchkey";
  let users = new Map((opts.users ?? []).map((u) => [u.id, u] as const));
  const messages: SlackMessage[] = [];
  const ephemerals: SlackEphemeral[] = [];
  const responses: SlackResponse[] = [];
  let counter = 0;
  const next = () => ++counter;
  const views = createSlackViews({
    teamId,
    botId,
    next,
    triggerTtlMs: opts.triggerTtlMs ?? 3000,
    acceptUnissuedTriggers: opts.acceptUnissuedTriggers ?? false,
    isUser: (id) => users.has(id),
  });
  /** Epoch seconds and a counter, as Slack's ts: unique and increasing within this workspace. */
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(next()).padStart(6, "0")}`;
  const trim = <T>(list: T[]) => {
    if (opts.keep !== undefined) list.splice(0, Math.max(0, list.length - opts.keep));
  };
  /** Slack lets a bot post to a user id and delivers to the app DM. */
  const resolveChannel = (channel: string) =>
    /^[UW]/.test(channel) && users.has(channel) ? `D${channel}` : channel;

  function userObject(u: SlackUser) {
    const realName = u.realName ?? u.name;
    return {
      id: u.id,
      team_id: teamId,
      name: u.name,
      deleted: u.deleted ?? false,
      real_name: realName,
      tz: u.tz ?? "Etc/UTC",
      is_bot: u.isBot ?? false,
      is_app_user: false,
      is_restricted: u.guest !== undefined,
      is_ultra_restricted: u.guest === "single-channel",
      ...(u.email ? { is_email_confirmed: u.emailConfirmed ?? true } : {}),
      profile: { real_name: realName, display_name: u.name, ...(u.email ? { email: u.email } : {}) },
    };
  }

  function wire(m: SlackMessage) {
    const { edits: _edits, channel: _channel, ...rest } = m;
    return { type: "message", user: botUserId, bot_id: botId, team: teamId, ...rest };
  }

  const methods: Record<string, (args: Args, token: string) => Reply> = {
    ...views.methods,
    "auth.test": () => ({
      ok: true,
      url: `https://${domain}.slack.com/`,
      team: opts.teamName ?? "Fake Team",
      user: "latchkey",
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    "users.info": (args) => {
      const u = users.get(str(args.user) ?? "");
      return u ? { ok: true, user: userObject(u) } : fail("user_not_found");
    },
    "users.lookupByEmail": (args) => {
      const email = (str(args.email) ?? "").toLowerCase();
      const u = [...users.values()].find((x) => x.email?.toLowerCase() === email);
      return u && email ? { ok: true, user: userObject(u) } : fail("users_not_found");
    },
    "conversations.open": (args) => {
      const ids = (str(args.users) ?? "").split(",").filter(Boolean);
      if (ids.length === 0) return fail("invalid_arguments", ["[ERROR] missing required field: users"]);
      if (ids.some((id) => !users.has(id))) return fail("user_not_found");
      if (ids.length === 1 && users.get(ids[0] ?? "")?.isBot) return fail("cannot_dm_bot");
      return { ok: true, channel: { id: ids.length === 1 ? `D${ids[0]}` : `G${ids.join("")}` } };
    },
    "chat.postMessage": (args) => {
      const channel = str(args.channel);
      if (!channel) return fail("channel_not_found");
      const problem = messageProblem(args);
      if (problem) return problem;
      const message: SlackMessage = {
        ts: nextTs(),
        channel: resolveChannel(channel),
        text: str(args.text) ?? "",
        blocks: Array.isArray(args.blocks) ? args.blocks : [],
        ...(str(args.thread_ts) ? { thread_ts: str(args.thread_ts) } : {}),
        edits: [],
      };
      messages.push(message);
      trim(messages);
      return { ok: true, channel: message.channel, ts: message.ts, message: wire(message) };
    },
    "chat.update": (args) => {
      const message = messages.find((m) => m.channel === str(args.channel) && m.ts === str(args.ts));
      if (!message) return fail("message_not_found");
      const problem = messageProblem(args);
      if (problem) return problem;
      if (typeof args.text === "string") message.text = args.text;
      if (Array.isArray(args.blocks)) message.blocks = args.blocks;
      message.edits.push({ text: message.text, blocks: message.blocks, at: new Date() });
      return {
        ok: true,
        channel: message.channel,
        ts: message.ts,
        text: message.text,
        message: wire(message),
      };
    },
    "chat.postEphemeral": (args) => {
      const channel = str(args.channel);
      const user = str(args.user);
      if (!channel) return fail("channel_not_found");
      if (!user || !users.has(user)) return fail("user_not_in_channel");
      const problem = messageProblem(args);
      if (problem) return problem;
      const thread = str(args.thread_ts);
      const ephemeral: SlackEphemeral = {
        message_ts: nextTs(),
        at: Date.now(),
        channel: resolveChannel(channel),
        user,
        text: str(args.text) ?? "",
        blocks: Array.isArray(args.blocks) ? args.blocks : [],
        ...(thread ? { thread_ts: thread } : {}),
      };
      ephemerals.push(ephemeral);
      trim(ephemerals);
      return { ok: true, message_ts: ephemeral.message_ts };
    },
    "apps.connections.open": (_args, token) => {
      if (!token.startsWith("xapp-")) return fail("not_allowed_token_type");
      return opts.socketUrl ? { ok: true, url: opts.socketUrl } : fail("not_allowed");
    },
  };

  async function refreshUsers(): Promise<void> {
    if (opts.directory) users = new Map((await opts.directory()).map((u) => [u.id, u] as const));
  }

  return {
    teamId,
    botUserId,
    botId,
    /** Every modal and home view, by view id, as last opened/pushed/updated/published. */
    views: views.views,
    /** Live lists, oldest first. */
    messages,
    ephemerals,
    responses,
    /** One Web API call, its arguments parsed and its token taken out (slack-args.ts parseCall). */
    async call(method: string, args: Args, token: string | undefined): Promise<Reply> {
      const handler = methods[method];
      if (!handler) return fail("unknown_method");
      if (!token) return fail("not_authed");
      if (opts.botToken && token !== opts.botToken && method !== "apps.connections.open")
        return fail("invalid_auth");
      await refreshUsers();
      const reply = handler(args, token);
      if (reply.ok && !READS.has(method)) opts.onChange?.();
      return reply;
    },
    /** A post to a response_url; false when Slack would refuse it (5 replies per URL). */
    respond(id: string, raw: string): boolean {
      if (responses.filter((r) => r.id === id).length >= MAX_RESPONSES_PER_URL) return false;
      responses.push({ id, body: tryJson(raw), at: new Date() });
      trim(responses);
      opts.onChange?.();
      return true;
    },
    issueTrigger: views.issueTrigger,
    /** What Slack does with a view_submission's answer (`response_action`) or a closed modal. */
    moveModal(...args: Parameters<typeof views.move>): void {
      views.move(...args);
      opts.onChange?.();
    },
    modals: views.modals,
    homeView: views.homeView,
    refreshUsers,
    users: () => [...users.values()],
    user: (id: string) => users.get(id),
    addUser: (user: SlackUser) => void users.set(user.id, user),
    /** Forgets messages, ephemerals, responses and views; keeps users. */
    reset(): void {
      messages.length = 0;
      ephemerals.length = 0;
      responses.length = 0;
      views.reset();
    },
  };
}

export type SlackWebApi = ReturnType<typeof createSlackWebApi>;
