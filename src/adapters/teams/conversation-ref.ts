// Where Teams messages go. A thread's `conversation` (opaque to the core) is the JSON of a
// ConversationRef: enough of a Bot Framework ConversationReference to post proactively. A chat
// contact's `reference` is a PersonalRef: the user, and their 1:1 conversation once it exists.

export interface ConversationRef {
  serviceUrl: string;
  tenantId: string | null;
  conversationId: string;
  /** "personal" | "groupChat" | "channel" ("unknown" when Teams did not say): only channels have threads. */
  conversationType: string;
  bot: { id: string; name?: string };
}

export interface PersonalRef {
  serviceUrl: string;
  tenantId: string | null;
  /** The bot-scoped user id (29:...). */
  userId: string;
  bot: { id: string; name?: string };
  /** The 1:1 conversation with the bot, once Teams has given one (installed, or created by us). */
  conversationId: string | null;
}

interface ActivityLike {
  serviceUrl?: string;
  conversation?: { id?: string; conversationType?: string; tenantId?: string };
  channelData?: { tenant?: { id?: string } };
  recipient?: { id?: string; name?: string };
  from?: { id?: string };
}

export function refOf(activity: ActivityLike): ConversationRef {
  const conversationId = activity.conversation?.id ?? "";
  return {
    serviceUrl: activity.serviceUrl ?? "",
    tenantId: tenantOf(activity),
    // A message in a channel thread arrives as `<channel>;messageid=<root>`: a new status card
    // goes to the channel itself, with its own thread.
    conversationId: conversationId.replace(/;messageid=[\s\S]*$/, ""),
    // Never assumed personal: a missing type would let a shared conversation pass for a 1:1.
    conversationType: activity.conversation?.conversationType ?? "unknown",
    bot: {
      id: activity.recipient?.id ?? "",
      ...(activity.recipient?.name ? { name: activity.recipient.name } : {}),
    },
  };
}

/**
 * A 1:1 chat with the bot: Teams says "personal" and gives a 1:1 id ("a:..."). Local mode (the
 * Agents Playground, tests) takes the type alone, as its ids are its own.
 */
export function isPersonal(activity: ActivityLike, local: boolean): boolean {
  const c = activity.conversation;
  return c?.conversationType === "personal" && (local || (c.id ?? "").startsWith("a:"));
}

export function personalRefOf(activity: ActivityLike, local: boolean): PersonalRef {
  const ref = refOf(activity);
  return {
    serviceUrl: ref.serviceUrl,
    tenantId: ref.tenantId,
    userId: activity.from?.id ?? "",
    bot: ref.bot,
    conversationId: isPersonal(activity, local) ? ref.conversationId : null,
  };
}

export function tenantOf(activity: ActivityLike): string | null {
  return activity.conversation?.tenantId ?? activity.channelData?.tenant?.id ?? null;
}

export function personalConversation(p: PersonalRef & { conversationId: string }): ConversationRef {
  return {
    serviceUrl: p.serviceUrl,
    tenantId: p.tenantId,
    conversationId: p.conversationId,
    conversationType: "personal",
    bot: p.bot,
  };
}

export function parseRef<T extends ConversationRef | PersonalRef>(text: string): T {
  const value = JSON.parse(text) as T;
  if (!value || typeof value.serviceUrl !== "string") throw new Error("not a Teams conversation reference");
  return value;
}

/** Where milestones go: a channel's status card has a thread; a chat has none, so they follow it. */
export function threadConversationId(ref: ConversationRef, rootActivityId: string): string {
  return ref.conversationType === "channel"
    ? `${ref.conversationId};messageid=${rootActivityId}`
    : ref.conversationId;
}

/** Stored with a posted activity id: a passcode message, so it can be edited later. */
export interface MessageRef {
  conversation: ConversationRef;
  activityId: string;
}
