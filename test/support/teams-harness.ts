import type { StartOptions } from "../../src/compose.ts";
import { type FakeConnector, type FakeTeamsUser, startFakeConnector } from "../fakes/fake-bot-connector.ts";
import { type Embedded, startEmbedded } from "./embedded.ts";

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
  // UPN only (no mail attribute): the UPN is all Latchkey reads.
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

/** Latchkey on embedded defaults (stop() also closes the fake) with the fake platform and its client. */
export interface TeamsHarness extends Embedded {
  fake: FakeConnector;
  teams: TeamsClient;
}

export async function startTeamsHarness(
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<TeamsHarness> {
  const fake = await startFakeConnector({ users: TEAMS_USERS });
  const embedded = await startEmbedded(
    "teams",
    { TEAMS_SECURITY_CONVERSATION: SECURITY_CONVERSATION, ...env },
    (config) => {
      const appId = config.teams?.appId ?? null;
      return {
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
            ? {
                auth: {
                  openIdMetadataUrl: fake.openIdMetadataUrl,
                  credentialsFactory: fakeCredentials(appId),
                },
              }
            : {}),
          ...opts.teams,
        },
        ...(opts.intuneCa ? { intuneCa: opts.intuneCa } : {}),
      };
    },
  );
  const { running } = embedded;
  const appId = running.teams?.mode === "authenticated" ? (env.MICROSOFT_APP_ID ?? null) : null;
  const teams = createTeamsClient(`${running.url}/api/messages`, fake, appId);
  return {
    ...embedded,
    fake,
    teams,
    async stop() {
      await embedded.stop();
      await fake.close();
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
