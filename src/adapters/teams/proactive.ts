// Messages the bot sends on its own (status cards, milestones, passcodes, alerts): a proactive
// turn supplies the authenticated ConnectorClient for the conversation's service URL, and the
// calls are made on it explicitly, so a root message is never sent as a reply by accident. Every
// call here is a background send (the longer retry budget), even when a turn's work set it off:
// `adapter` is the one whose ConnectorClients have that budget (teams-adapter.ts).
import type { Activity, CloudAdapter, ConversationReference } from "botbuilder";
import type { ConversationRef, PersonalRef } from "./conversation-ref.ts";

/** Audience of the Bot Connector for public-cloud bots (outbound tokens are issued for it). */
const CONNECTOR_AUDIENCE = "https://api.botframework.com";

/** The ConnectorClient operations used here (botframework-connector's type is not a direct dependency). */
interface ConnectorClient {
  conversations: {
    sendToConversation(conversationId: string, activity: Partial<Activity>): Promise<{ id?: string }>;
    updateActivity(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<unknown>;
  };
}

export interface Proactive {
  /** Posts a new activity in the conversation; returns its id. */
  post(ref: ConversationRef, activity: Partial<Activity>, conversationId?: string): Promise<string>;
  update(ref: ConversationRef, activityId: string, activity: Partial<Activity>): Promise<void>;
  /** The user's 1:1 conversation with the bot, created when Teams has not given one yet. */
  openPersonal(p: PersonalRef): Promise<string>;
}

export function createProactive(adapter: CloudAdapter, appId: string): Proactive {
  async function withClient<T>(ref: ConversationRef, work: (c: ConnectorClient) => Promise<T>): Promise<T> {
    const reference: Partial<ConversationReference> = {
      channelId: "msteams",
      serviceUrl: ref.serviceUrl,
      conversation: {
        id: ref.conversationId,
        conversationType: ref.conversationType,
        isGroup: ref.conversationType !== "personal",
        name: "",
        ...(ref.tenantId ? { tenantId: ref.tenantId } : {}),
      },
      bot: { id: ref.bot.id, name: ref.bot.name ?? "Latchkey" },
    };
    // The adapter hands a turn's error to onTurnError and resolves: keep it to throw it here.
    let result: { ok: true; value: T } | { ok: false; err: unknown } | null = null;
    await adapter.continueConversationAsync(appId, reference, async (ctx) => {
      const client = ctx.turnState.get<ConnectorClient>(ctx.adapter.ConnectorClientKey);
      try {
        result = { ok: true, value: await work(client) };
      } catch (err) {
        result = { ok: false, err };
      }
    });
    const settled = result as { ok: true; value: T } | { ok: false; err: unknown } | null;
    if (!settled) throw new Error("the proactive turn did not run");
    if (!settled.ok) throw settled.err;
    return settled.value;
  }

  return {
    async post(ref, activity, conversationId = ref.conversationId) {
      const res = await withClient(ref, (c) =>
        c.conversations.sendToConversation(conversationId, {
          type: "message",
          ...activity,
          from: { id: ref.bot.id, name: ref.bot.name ?? "Latchkey" },
          conversation: {
            id: conversationId,
            isGroup: ref.conversationType !== "personal",
            name: "",
            conversationType: ref.conversationType,
          },
        }),
      );
      if (!res.id) throw new Error("Teams did not return an activity id");
      return res.id;
    },
    async update(ref, activityId, activity) {
      await withClient(ref, (c) =>
        c.conversations.updateActivity(ref.conversationId, activityId, {
          type: "message",
          ...activity,
          id: activityId,
        }),
      );
    },
    async openPersonal(p) {
      if (p.conversationId) return p.conversationId;
      let id: string | undefined;
      await adapter.createConversationAsync(
        appId,
        "msteams",
        p.serviceUrl,
        CONNECTOR_AUDIENCE,
        {
          isGroup: false,
          bot: { id: p.bot.id, name: p.bot.name ?? "Latchkey" },
          members: [{ id: p.userId, name: "" }],
          ...(p.tenantId ? { tenantId: p.tenantId, channelData: { tenant: { id: p.tenantId } } } : {}),
        } as never,
        async (ctx) => {
          id = ctx.activity.conversation.id;
        },
      );
      if (!id) throw new Error("Teams did not open a 1:1 conversation");
      return id;
    },
  };
}
