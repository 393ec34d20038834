// The Bot Connector as botbuilder's ConnectorClient calls it, in process and without a network:
// the one implementation behind the Playground's Teams (src/playground/bot-connector.ts serves it)
// and the tests' fake connector (test/fakes/fake-bot-connector.ts serves it over HTTP and adds
// recorded calls, injected faults and signed channel tokens). It answers a new 1:1 conversation,
// activities posted (a reply, or into a channel thread `<channel>;messageid=<root>`), activities
// updated in place (one message each, as Teams insists), and the member lookup behind
// TeamsInfo.getMember, and keeps each conversation's messages with their edits.

export interface TeamsUser {
  /** The bot-scoped id Teams puts in `from.id` (29:...). */
  id: string;
  aadObjectId: string;
  name: string;
  email?: string;
  /** The sign-in name; by default the email (or one made from the AAD id); null: Teams gives none. */
  userPrincipalName?: string | null;
  tenantId?: string;
  /** "user" (default), "guest" or "anonymous". */
  userRole?: string;
}

export interface TeamsMessage {
  id: string;
  conversationId: string;
  replyToId: string | null;
  activity: Record<string, unknown>;
  /** Each update applied, oldest first; `activity` holds the latest. */
  edits: Record<string, unknown>[];
  /** When it was posted (ms since the epoch). */
  at: number;
}

export interface BotConnectorOptions {
  /** The people Teams knows, read at each call (a test may change one between calls). */
  users: () => TeamsUser[] | Promise<TeamsUser[]>;
  /** The tenant of a member who names none. */
  tenantId?: string;
  /** How many of the latest messages are kept (default: all). */
  keep?: number;
  /** Told after every call that changed what a user would see. */
  onChange?: () => void;
}

type Answer = [status: number, body: unknown];

const notFound = (code = "NotFound"): Answer => [404, { error: { code } }];

/** The 1:1 conversation the connector hands out for a user. */
export const personalConversationOf = (userId: string) => `a:1on1-${userId.replace(/[^A-Za-z0-9-]/g, "")}`;

/** Teams turns an activity into one message per part (its text, each attachment) unless the attachments are a carousel. */
function partsOf(activity: Record<string, unknown>): number {
  const a = activity as { text?: unknown; attachments?: unknown[]; attachmentLayout?: unknown };
  const attachments = a.attachments?.length ?? 0;
  return (a.text ? 1 : 0) + (a.attachmentLayout === "carousel" ? Math.min(1, attachments) : attachments);
}

export function createBotConnector(opts: BotConnectorOptions) {
  const messages: TeamsMessage[] = [];
  let counter = 0;

  async function findUser(id: string | undefined): Promise<TeamsUser | undefined> {
    if (!id) return undefined;
    return (await opts.users()).find((u) => u.id === id || u.aadObjectId === id);
  }

  function member(u: TeamsUser) {
    return {
      id: u.id,
      name: u.name,
      aadObjectId: u.aadObjectId,
      objectId: u.aadObjectId,
      ...(u.email ? { email: u.email } : {}),
      ...(u.userPrincipalName === null
        ? {}
        : { userPrincipalName: u.userPrincipalName ?? u.email ?? `${u.aadObjectId}@upn.example` }),
      tenantId: u.tenantId ?? opts.tenantId ?? "tenant-1",
      userRole: u.userRole ?? "user",
    };
  }

  function changed(answer: Answer): Answer {
    opts.onChange?.();
    return answer;
  }

  /**
   * One call: `path` is what follows the service URL, split on "/" and decoded (a regional prefix
   * before "v3", as in Teams' `.../emea/v3/...`, is ignored).
   */
  async function handle(method: string, path: string[], body: Record<string, unknown>): Promise<Answer> {
    const parts = path.indexOf("v3") > 0 ? path.slice(path.indexOf("v3")) : path;
    // parts: ["v3", "conversations", id?, "activities"|"members", x?]
    if (parts[0] !== "v3" || parts[1] !== "conversations") return notFound();
    const conversationId = parts[2];
    if (method === "POST" && !conversationId) {
      const members = (body.members as { id?: string }[] | undefined) ?? [];
      const user = await findUser(members[0]?.id);
      if (!user) return [400, { error: { code: "BadArgument", message: "Unknown member" } }];
      return [201, { id: personalConversationOf(user.id) }];
    }
    if (!conversationId) return notFound();
    if (parts[3] === "activities" && method === "POST") {
      const id = `act-${++counter}`;
      const replyToId = parts[4] ?? null;
      messages.push({ id, conversationId, replyToId, activity: { ...body, id }, edits: [], at: Date.now() });
      if (opts.keep !== undefined) messages.splice(0, Math.max(0, messages.length - opts.keep));
      return changed([201, { id }]);
    }
    if (parts[3] === "activities" && method === "PUT" && parts[4]) {
      const m = messages.find((x) => x.id === parts[4] && x.conversationId === conversationId);
      if (!m) return notFound("ActivityNotFoundInConversation");
      if (partsOf(body) > 1) {
        return [
          400,
          { error: { code: "BadSyntax", message: "Activity resulted into multiple skype activities" } },
        ];
      }
      m.activity = { ...body, id: m.id };
      m.edits.push(body);
      return changed([200, { id: m.id }]);
    }
    if (parts[3] === "members" && method === "GET" && parts[4]) {
      const u = await findUser(parts[4]);
      return u ? [200, member(u)] : notFound("MemberNotFoundInConversation");
    }
    return notFound();
  }

  return {
    handle,
    /** Live, oldest first. */
    messages,
    reset(): void {
      messages.length = 0;
    },
  };
}

export type BotConnector = ReturnType<typeof createBotConnector>;
