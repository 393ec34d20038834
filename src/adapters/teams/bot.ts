// The bot's turn logic: every activity first stores how to reach its sender privately, then
// goes to one handler (parse -> call a core use case -> render a card).
import {
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type MessagingExtensionAction,
  type MessagingExtensionActionResponse,
  TeamsActivityHandler,
  type TurnContext,
} from "botbuilder";
import { errorText } from "../../core/engine.ts";
import { attachment, messageCard } from "./cards/render.ts";
import { onCardAction } from "./handlers/card-actions.ts";
import { answerChat, HELP } from "./handlers/chat.ts";
import type { TeamsDeps } from "./handlers/deps.ts";
import { fetchTask, submitAction } from "./handlers/message-extension.ts";

export class LatchkeyBot extends TeamsActivityHandler {
  constructor(private readonly deps: TeamsDeps) {
    super();
    this.onTurn(async (ctx, next) => {
      // A contact that cannot be stored must not cost the user their answer.
      await deps.identity
        .remember(ctx)
        .catch((err: unknown) =>
          deps.engine.log.warn({ err: errorText(err) }, "could not store the Teams contact"),
        );
      await next();
    });
    this.onMessage(async (ctx, next) => {
      if (ctx.activity.text) {
        const card = await answerChat(deps, ctx);
        await ctx.sendActivity({ attachments: [attachment(card)] });
      }
      await next();
    });
    this.onInstallationUpdateAdd(async (ctx, next) => {
      if (ctx.activity.conversation?.conversationType === "personal") {
        await ctx.sendActivity({ attachments: [attachment(messageCard("Welcome to Latchkey", ...HELP))] });
      }
      await next();
    });
  }

  protected override handleTeamsMessagingExtensionFetchTask(
    ctx: TurnContext,
    action: MessagingExtensionAction,
  ): Promise<MessagingExtensionActionResponse> {
    return fetchTask(this.deps, ctx, action);
  }

  protected override handleTeamsMessagingExtensionSubmitAction(
    ctx: TurnContext,
    action: MessagingExtensionAction,
  ): Promise<MessagingExtensionActionResponse> {
    return submitAction(this.deps, ctx, action);
  }

  protected override onAdaptiveCardInvoke(
    ctx: TurnContext,
    value: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    return onCardAction(this.deps, ctx, value);
  }
}
