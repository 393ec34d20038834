// Latchkey on its embedded defaults (SQLite, simulated phones, mail outbox) with Teams in local
// mode, plus a client that posts real Bot Framework activities to /api/messages with `serviceUrl`
// pointing at the fake Bot Connector. The demo inventory's people are members of the fake tenant.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { simpleParser } from "mailparser";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { type Running, type StartOptions, startLatchkey } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";
import { type FakeConnector, type FakeTeamsUser, startFakeConnector } from "../fakes/fake-bot-connector.ts";

export const TENANT = "tenant-1";
export const BOT = { id: "28:latchkey-bot", name: "Latchkey" };
export const SECURITY_CONVERSATION = "19:security@thread.tacv2";
export const CHANNEL = "19:itops@thread.tacv2";
export const TEAM = "19:team@thread.tacv2";
export const GROUP_CHAT = "19:groupchat@thread.v2";

export const TEAMS_USERS: FakeTeamsUser[] = [
  { id: "29:ada", aadObjectId: "aad-ada", name: "Ada Admin", email: "ada.admin@example.com" },
  { id: "29:sam", aadObjectId: "aad-sam", name: "Sam Security", email: "sam.security@example.com" },
  { id: "29:erin", aadObjectId: "aad-erin", name: "Erin Engineer", email: "erin.engineer@example.com" },
  { id: "29:felix", aadObjectId: "aad-felix", name: "Felix Field", email: "felix.field@example.com" },
  { id: "29:omar", aadObjectId: "aad-omar", name: "Omar Ops", email: "omar.ops@example.com" },
  { id: "29:leo", aadObjectId: "aad-leo", name: "Leo Legal", email: "leo.legal@example.com" },
  // UPN only (no mail attribute): Latchkey falls back to the user principal name.
  {
    id: "29:mia",
    aadObjectId: "aad-mia",
    name: "Mia Marketing",
    userPrincipalName: "mia.marketing@example.com",
  },
  // Strangers who show someone else's address. Mallory's mail attribute says Ada's (her own tenant
  // let her set it); her sign-in name is her own.
  {
    id: "29:mallory",
    aadObjectId: "aad-mallory",
    name: "Mallory",
    email: "ada.admin@example.com",
    userPrincipalName: "mallory@example.com",
  },
  // A guest whose sign-in name is Felix's address, and a member of another organization with Omar's.
  {
    id: "29:gus",
    aadObjectId: "aad-gus",
    name: "Gus Guest",
    userPrincipalName: "felix.field@example.com",
    userRole: "guest",
  },
  {
    id: "29:tess",
    aadObjectId: "aad-tess",
    name: "Tess Elsewhere",
    userPrincipalName: "omar.ops@example.com",
    tenantId: "tenant-2",
  },
];

export type Where = { kind: "personal" } | { kind: "channel"; id?: string } | { kind: "groupChat" };

export interface TeamsClient {
  /** Posts an activity (with a valid channel token in authenticated mode, unless `headers` set one). */
  post(
    activity: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }>;
  /** The activity fields Teams sends for `userId` in `where` (to build variants). */
  base(userId: string, where: Where): Record<string, unknown>;
  /** "Details" on a status card: task/fetch with the button's data. */
  taskFetch(
    userId: string,
    where: Where,
    data: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }>;
  message(userId: string, text: string, where?: Where): Promise<{ status: number; body: unknown }>;
  fetchTask(
    userId: string,
    where: Where,
    opts?: { commandContext?: "compose" | "message"; messageAuthorAad?: string },
  ): Promise<{ status: number; body: unknown }>;
  submitAction(
    userId: string,
    where: Where,
    data: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }>;
  cardAction(
    userId: string,
    where: Where,
    verb: string,
    data: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }>;
  /** The conversation id an activity from `userId` in `where` carries. */
  conversationId(userId: string, where: Where): string;
}

export interface TeamsHarness {
  fake: FakeConnector;
  running: Running;
  teams: TeamsClient;
  dir: string;
  logs: string[];
  outbox(): Promise<{ to: string; subject: string; text: string }[]>;
  stop(): Promise<void>;
}

export async function startTeamsHarness(
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<TeamsHarness> {
  const fake = await startFakeConnector({ users: TEAMS_USERS });
  const dir = mkdtempSync(join(tmpdir(), "latchkey-teams-"));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const config = loadConfig({
    DATA_DIR: dir,
    PORT: "0",
    HOST: "127.0.0.1",
    SIMULATOR_DELAY: "20ms",
    TEAMS_SECURITY_CONVERSATION: SECURITY_CONVERSATION,
    ...env,
  });
  const appId = config.teams?.appId ?? null;
  const running = await startLatchkey(config, createLogger("trace", sink), {
    teams: {
      retries: {
        background: {
          retries: 3,
          minDelayMs: 10,
          maxDelayMs: 50,
          budgetMs: 60_000,
          attemptTimeoutMs: 15_000,
        },
      },
      pacing: { windows: [] },
      ...(appId
        ? { auth: { openIdMetadataUrl: fake.openIdMetadataUrl, credentialsFactory: fakeCredentials(appId) } }
        : {}),
      ...opts.teams,
    },
  });
  const teams = createTeamsClient(`${running.url}/api/messages`, fake, appId);
  return {
    fake,
    running,
    teams,
    dir,
    logs,
    async outbox() {
      const folder = join(dir, "outbox");
      let files: string[] = [];
      try {
        files = readdirSync(folder).filter((f) => f.endsWith(".eml"));
      } catch {
        return [];
      }
      const mails = [];
      for (const f of files) {
        const m = await simpleParser(readFileSync(join(folder, f)));
        const to = Array.isArray(m.to) ? (m.to[0]?.text ?? "") : (m.to?.text ?? "");
        mails.push({ to, subject: m.subject ?? "", text: m.text ?? "" });
      }
      return mails;
    },
    async stop() {
      await running.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Stands in for Azure AD on the bot's outgoing calls in authenticated mode (a botbuilder
 * ServiceClientCredentialsFactory): the fake Bot Connector checks no token.
 */
function fakeCredentials(appId: string) {
  return {
    isValidAppId: async (id: string) => id === appId,
    isAuthenticationDisabled: async () => false,
    createCredentials: async () => ({ signRequest: async <T>(request: T) => request }),
  };
}

export function createTeamsClient(
  endpoint: string,
  fake: FakeConnector,
  appId: string | null = null,
): TeamsClient {
  let n = 0;
  const user = (id: string) => {
    const u = fake.users.find((x) => x.id === id);
    if (!u) throw new Error(`no Teams user ${id}`);
    return u;
  };
  function conversationId(userId: string, where: Where): string {
    if (where.kind === "personal") return fake.personalConversationOf(userId);
    if (where.kind === "groupChat") return GROUP_CHAT;
    return where.id ?? CHANNEL;
  }
  function base(userId: string, where: Where): Record<string, unknown> {
    const u = user(userId);
    const type = where.kind === "channel" ? "channel" : where.kind;
    return {
      id: `in-${++n}`,
      channelId: "msteams",
      serviceUrl: fake.url,
      timestamp: new Date().toISOString(),
      from: { id: u.id, name: u.name, aadObjectId: u.aadObjectId },
      recipient: BOT,
      conversation: {
        id: conversationId(userId, where),
        conversationType: type,
        tenantId: TENANT,
        ...(type !== "personal" ? { isGroup: true } : {}),
      },
      channelData: {
        tenant: { id: TENANT },
        ...(where.kind === "channel" ? { team: { id: TEAM }, channel: { id: where.id ?? CHANNEL } } : {}),
      },
    };
  }
  async function post(activity: Record<string, unknown>, headers: Record<string, string> = {}) {
    const signed: Record<string, string> =
      appId && typeof activity.serviceUrl === "string"
        ? { authorization: `Bearer ${fake.token(appId, activity.serviceUrl)}` }
        : {};
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", ...signed, ...headers },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, body };
  }
  return {
    post,
    base,
    conversationId,
    taskFetch(userId, where, data) {
      return post({
        ...base(userId, where),
        type: "invoke",
        name: "task/fetch",
        value: { data, context: { theme: "default" } },
      });
    },
    message(userId, text, where = { kind: "personal" }) {
      return post({ ...base(userId, where), type: "message", text });
    },
    fetchTask(userId, where, opts = {}) {
      const context = opts.commandContext ?? (opts.messageAuthorAad ? "message" : "compose");
      return post({
        ...base(userId, where),
        type: "invoke",
        name: "composeExtension/fetchTask",
        value: {
          commandId: "resetPasscode",
          commandContext: context,
          context: { theme: "default" },
          ...(opts.messageAuthorAad
            ? {
                messagePayload: {
                  id: "1700000000000",
                  messageType: "message",
                  body: { contentType: "html", content: "<p>I left my phone on the train</p>" },
                  from: { user: { id: opts.messageAuthorAad, displayName: "", userIdentityType: "aadUser" } },
                },
              }
            : {}),
        },
      });
    },
    submitAction(userId, where, data) {
      return post({
        ...base(userId, where),
        type: "invoke",
        name: "composeExtension/submitAction",
        value: { commandId: "resetPasscode", commandContext: "compose", context: { theme: "default" }, data },
      });
    },
    cardAction(userId, where, verb, data) {
      return post({
        ...base(userId, where),
        type: "invoke",
        name: "adaptiveCard/action",
        value: { action: { type: "Action.Execute", verb, data }, trigger: "manual" },
      });
    },
  };
}

/** Every string in a card, for assertions on what a user would read. */
export function cardText(card: unknown): string {
  return JSON.stringify(card);
}

/** The adaptive card inside an invoke answer or a posted activity. */
export function cardOf(x: unknown): Record<string, unknown> {
  const body = x as {
    task?: { value?: { card?: { content?: unknown } } };
    value?: unknown;
    attachments?: { content?: unknown }[];
    activity?: { attachments?: { content?: unknown }[] };
  };
  const found =
    body.task?.value?.card?.content ??
    body.attachments?.[0]?.content ??
    body.activity?.attachments?.[0]?.content ??
    body.value;
  return (found ?? {}) as Record<string, unknown>;
}
