// The Playground's Teams: a Bot Connector (the serviceUrl the page puts in its activities is
// /playground/teams/) answering what botbuilder's ConnectorClient calls: a new 1:1 conversation,
// activities posted (a reply, or into a channel thread `<channel>;messageid=<root>`), activities
// updated in place, and the member lookup behind TeamsInfo.getMember. It keeps each
// conversation's messages for the page to draw. The rules are those of
// test/fakes/fake-bot-connector.ts, which the tests use against the real botbuilder.

export interface TeamsUser {
  id: string;
  aadObjectId: string;
  name: string;
  email: string;
}

export interface TeamsMessage {
  id: string;
  conversationId: string;
  replyToId: string | null;
  activity: Record<string, unknown>;
  edits: number;
  at: number;
}

export const PLAYGROUND_TENANT = "playground-tenant";
const MAX_KEPT = 500;

/** The 1:1 conversation the connector hands out for a user, and that the page chats in. */
export const personalConversationOf = (userId: string) => `a:1on1-${userId.replace(/[^A-Za-z0-9-]/g, "")}`;

export function createBotConnector(opts: { users: () => Promise<TeamsUser[]>; changed: () => void }) {
  const messages: TeamsMessage[] = [];
  let counter = 0;

  async function findUser(id: string | undefined): Promise<TeamsUser | undefined> {
    if (!id) return undefined;
    return (await opts.users()).find((u) => u.id === id || u.aadObjectId === id);
  }

  /** One call to the connector: `parts` is the path after the service URL (v3/conversations/...). */
  async function handle(
    method: string,
    parts: string[],
    body: Record<string, unknown>,
  ): Promise<[number, unknown]> {
    if (parts[0] !== "v3" || parts[1] !== "conversations") return [404, { error: { code: "NotFound" } }];
    const conversationId = parts[2];
    if (method === "POST" && !conversationId) {
      const members = (body.members as { id?: string }[] | undefined) ?? [];
      const user = await findUser(members[0]?.id);
      if (!user) return [400, { error: { code: "BadArgument", message: "Unknown member" } }];
      return [201, { id: personalConversationOf(user.id) }];
    }
    if (!conversationId) return [404, { error: { code: "NotFound" } }];
    if (parts[3] === "activities" && method === "POST") {
      const id = `act-${++counter}`;
      messages.push({
        id,
        conversationId,
        replyToId: parts[4] ?? null,
        activity: { ...body, id },
        edits: 0,
        at: Date.now(),
      });
      messages.splice(0, Math.max(0, messages.length - MAX_KEPT));
      opts.changed();
      return [201, { id }];
    }
    if (parts[3] === "activities" && method === "PUT" && parts[4]) {
      const m = messages.find((x) => x.id === parts[4] && x.conversationId === conversationId);
      if (!m) return [404, { error: { code: "ActivityNotFoundInConversation" } }];
      m.activity = { ...body, id: m.id };
      m.edits += 1;
      opts.changed();
      return [200, { id: m.id }];
    }
    if (parts[3] === "members" && method === "GET" && parts[4]) {
      const u = await findUser(parts[4]);
      if (!u) return [404, { error: { code: "MemberNotFoundInConversation" } }];
      return [
        200,
        {
          id: u.id,
          name: u.name,
          aadObjectId: u.aadObjectId,
          objectId: u.aadObjectId,
          email: u.email,
          userPrincipalName: u.email,
          tenantId: PLAYGROUND_TENANT,
          userRole: "user",
        },
      ];
    }
    return [404, { error: { code: "NotFound" } }];
  }

  return {
    handle,
    snapshot: () => ({ messages }),
  };
}

export type BotConnector = ReturnType<typeof createBotConnector>;
