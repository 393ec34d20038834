// The Playground's Slack: a Slack Web API for Latchkey's Bolt app (served at
// /playground/slack/api/<method>, as https://slack.com/api/ would be), the response_urls its
// commands answer to, and what the page needs to play the Slack client: trigger ids (single use,
// 3 s, as Slack's) and the modal stack a `response_action` changes. It keeps what a user would see
// (channel and DM messages with their edits, ephemerals, modals) for the page to draw. The rules
// are those of test/fakes/fake-slack-api.ts, which the tests use against a real Bolt client.
import { randomBytes } from "node:crypto";

export interface WorkspaceUser {
  id: string;
  name: string;
  realName: string;
  email: string;
}

export interface WorkspaceMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  edits: number;
}

export interface WorkspaceEphemeral {
  at: number;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
}

export type View = Record<string, unknown> & { id: string; hash: string; type: string };
type Args = Record<string, unknown>;
type Reply = Record<string, unknown> & { ok: boolean };

const JSON_FIELDS = new Set(["view", "blocks", "attachments", "metadata"]);
const TRIGGER_TTL_MS = 3000;
const MAX_STACK = 3;
const MAX_KEPT = 500;

export const PLAYGROUND_TEAM = { id: "T0PLAYGROUND", domain: "latchkey-playground" };
export const PLAYGROUND_BOT_USER = "U0LATCHKEY";

export function createSlackWorkspace(opts: {
  botToken: string;
  users: () => Promise<WorkspaceUser[]>;
  changed: () => void;
}) {
  let counter = 0;
  let users = new Map<string, WorkspaceUser>();
  const messages: WorkspaceMessage[] = [];
  const ephemerals: WorkspaceEphemeral[] = [];
  const views = new Map<string, View>();
  const stacks = new Map<string, string[]>();
  const triggers = new Map<string, { user: string; at: number; used: boolean }>();
  const next = () => ++counter;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(next()).padStart(6, "0")}`;
  const fail = (error: string): Reply => ({ ok: false, error });
  const dmOf = (userId: string) => `D${userId}`;
  const trim = <T>(list: T[]) => list.splice(0, Math.max(0, list.length - MAX_KEPT));

  async function refreshUsers(): Promise<void> {
    users = new Map((await opts.users()).map((u) => [u.id, u]));
  }
  function userObject(u: WorkspaceUser) {
    return {
      id: u.id,
      team_id: PLAYGROUND_TEAM.id,
      name: u.name,
      deleted: false,
      real_name: u.realName,
      tz: "Etc/UTC",
      is_bot: false,
      is_app_user: false,
      // Full members with confirmed addresses, as Slack says of a workspace's own people.
      is_restricted: false,
      is_ultra_restricted: false,
      is_email_confirmed: true,
      profile: { real_name: u.realName, display_name: u.name, email: u.email },
    };
  }
  function takeTrigger(args: Args): { user: string } | Reply {
    const t = triggers.get(String(args.trigger_id ?? ""));
    if (!t) return fail("invalid_trigger_id");
    if (t.used) return fail("exchanged_trigger_id");
    if (Date.now() - t.at > TRIGGER_TTL_MS) return fail("expired_trigger_id");
    t.used = true;
    return { user: t.user };
  }
  function storeView(view: Args, id: string): View {
    const stored: View = {
      ...view,
      id,
      type: String(view.type ?? "modal"),
      callback_id: String(view.callback_id ?? ""),
      private_metadata: String(view.private_metadata ?? ""),
      external_id: String(view.external_id ?? ""),
      blocks: Array.isArray(view.blocks) ? view.blocks : [],
      team_id: PLAYGROUND_TEAM.id,
      app_id: "A0LATCHKEY",
      hash: `${Date.now()}.h${next()}`,
    };
    views.set(id, stored);
    return stored;
  }
  const newViewId = () => `V${String(next()).padStart(8, "0")}`;
  const resolveChannel = (c: string) => (users.has(c) ? dmOf(c) : c);

  const methods: Record<string, (args: Args) => Reply | Promise<Reply>> = {
    "auth.test": () => ({
      ok: true,
      url: `https://${PLAYGROUND_TEAM.domain}.slack.com/`,
      team: "Latchkey Playground",
      user: "latchkey",
      team_id: PLAYGROUND_TEAM.id,
      user_id: PLAYGROUND_BOT_USER,
      bot_id: "B0LATCHKEY",
    }),
    "users.info": async (args) => {
      await refreshUsers();
      const u = users.get(String(args.user ?? ""));
      return u ? { ok: true, user: userObject(u) } : fail("user_not_found");
    },
    "users.lookupByEmail": async (args) => {
      await refreshUsers();
      const email = String(args.email ?? "").toLowerCase();
      const u = [...users.values()].find((x) => x.email === email);
      return u ? { ok: true, user: userObject(u) } : fail("users_not_found");
    },
    "conversations.open": (args) => {
      const ids = String(args.users ?? "")
        .split(",")
        .filter(Boolean);
      if (ids.length !== 1 || !users.has(ids[0] ?? "")) return fail("user_not_found");
      return { ok: true, channel: { id: dmOf(ids[0] ?? "") } };
    },
    "chat.postMessage": (args) => {
      if (!args.channel) return fail("channel_not_found");
      if (!args.text && !(Array.isArray(args.blocks) && args.blocks.length)) return fail("no_text");
      const m: WorkspaceMessage = {
        ts: nextTs(),
        channel: resolveChannel(String(args.channel)),
        text: String(args.text ?? ""),
        blocks: Array.isArray(args.blocks) ? args.blocks : [],
        ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
        edits: 0,
      };
      messages.push(m);
      trim(messages);
      return { ok: true, channel: m.channel, ts: m.ts, message: { type: "message", text: m.text, ts: m.ts } };
    },
    "chat.update": (args) => {
      const m = messages.find((x) => x.channel === args.channel && x.ts === args.ts);
      if (!m) return fail("message_not_found");
      if (typeof args.text === "string") m.text = args.text;
      if (Array.isArray(args.blocks)) m.blocks = args.blocks;
      m.edits += 1;
      return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
    },
    "chat.postEphemeral": (args) => {
      const user = String(args.user ?? "");
      if (!users.has(user)) return fail("user_not_in_channel");
      const blocks = Array.isArray(args.blocks) ? args.blocks : [];
      ephemerals.push({
        at: Date.now(),
        channel: resolveChannel(String(args.channel)),
        user,
        text: String(args.text ?? ""),
        blocks,
      });
      trim(ephemerals);
      return { ok: true, message_ts: nextTs() };
    },
    "views.open": (args) => {
      const trigger = takeTrigger(args);
      if ("ok" in trigger) return trigger;
      const id = newViewId();
      stacks.set(trigger.user, [id]);
      return { ok: true, view: storeView(args.view as Args, id) };
    },
    "views.push": (args) => {
      const trigger = takeTrigger(args);
      if ("ok" in trigger) return trigger;
      const stack = stacks.get(trigger.user);
      if (!stack?.length) return fail("not_found");
      if (stack.length >= MAX_STACK) return fail("push_limit_reached");
      const id = newViewId();
      stack.push(id);
      return { ok: true, view: storeView(args.view as Args, id) };
    },
    "views.update": (args) => {
      const current = args.view_id
        ? views.get(String(args.view_id))
        : [...views.values()].find((v) => args.external_id && v.external_id === args.external_id);
      if (!current) return fail("not_found");
      if (args.hash && args.hash !== current.hash) return fail("hash_conflict");
      return { ok: true, view: storeView(args.view as Args, current.id) };
    },
    "views.publish": (args) => ({ ok: true, view: storeView(args.view as Args, `H${String(args.user_id)}`) }),
  };

  return {
    /** A Web API call from Latchkey's client. */
    async api(method: string, contentType: string | undefined, raw: string, authorization?: string) {
      const args = parseArgs(contentType, raw);
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? String(args.token ?? "");
      if (users.size === 0) await refreshUsers();
      const handler = methods[method];
      const reply = !handler
        ? fail("unknown_method")
        : token !== opts.botToken
          ? fail("invalid_auth")
          : await handler(args);
      if (reply.ok && method !== "auth.test" && !method.startsWith("users.")) opts.changed();
      return reply;
    },
    /** A post to a response_url the page put in a command or a click (respond() in Bolt). */
    respond(user: string, raw: string): void {
      let body: Args = {};
      try {
        body = JSON.parse(raw) as Args;
      } catch {
        body = { text: raw };
      }
      const blocks = Array.isArray(body.blocks) ? body.blocks : [];
      ephemerals.push({ at: Date.now(), channel: "response", user, text: String(body.text ?? ""), blocks });
      trim(ephemerals);
      opts.changed();
    },
    /** A trigger id for an interaction the page is about to send as `user`. */
    trigger(user: string): string {
      for (const [id, t] of triggers) if (Date.now() - t.at > 60_000) triggers.delete(id);
      const id = `${next()}.${Date.now()}.${randomBytes(8).toString("hex")}`;
      triggers.set(id, { user, at: Date.now(), used: false });
      return id;
    },
    /** What Slack does with a view_submission's answer (`response_action`), or a closed modal. */
    modal(user: string, op: string, view?: Args, errors?: unknown): void {
      const stack = stacks.get(user) ?? [];
      const top = stack.at(-1);
      if (op === "push" && view && stack.length > 0 && stack.length < MAX_STACK) {
        const id = newViewId();
        storeView(view, id);
        stack.push(id);
      } else if (op === "update" && view && top) storeView(view, top);
      else if (op === "errors" && top) {
        const v = views.get(top);
        if (v) v.errors = errors;
      } else if (op === "clear") stack.length = 0;
      else if (op === "pop") stack.pop();
      else if (top && op === "submitted") {
        const v = views.get(top);
        if (v) delete v.errors;
      }
      stacks.set(user, stack);
      opts.changed();
    },
    async snapshot() {
      if (users.size === 0) await refreshUsers();
      const modals: Record<string, View[]> = {};
      for (const [user, stack] of stacks) {
        modals[user] = stack.flatMap((id) => (views.has(id) ? [views.get(id) as View] : []));
      }
      return { team: PLAYGROUND_TEAM, users: [...users.values()], messages, ephemerals, modals };
    },
  };
}

export type SlackWorkspace = ReturnType<typeof createSlackWorkspace>;

function parseArgs(contentType: string | undefined, raw: string): Args {
  if (contentType?.startsWith("application/json")) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      return typeof parsed === "object" && parsed ? { ...(parsed as Args) } : {};
    } catch {
      return {};
    }
  }
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (!JSON_FIELDS.has(key)) args[key] = value;
    else {
      try {
        args[key] = JSON.parse(value);
      } catch {
        args[key] = value;
      }
    }
  }
  return args;
}
