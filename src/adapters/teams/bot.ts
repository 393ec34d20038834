// The bot's turn logic: every activity first stores how to reach its sender privately (and, seen in
// the security channel's team, how to post there), then goes to one handler (parse -> call a core
// use case -> render a card).
import {
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type MessagingExtensionAction,
  type MessagingExtensionActionResponse,
  type TaskModuleRequest,
  type TaskModuleResponse,
  TeamsActivityHandler,
  type TurnContext,
} from "botbuilder";
import { errorText } from "../../core/engine.ts";
import { attachment, messageCard } from "./cards/render.ts";
import { isPersonal } from "./conversation-ref.ts";
import { onCardAction } from "./handlers/card-actions.ts";
import { answerChat, HELP } from "./handlers/chat.ts";
import { guarded, type TeamsDeps } from "./handlers/deps.ts";
import { taskFetch } from "./handlers/details.ts";
import { myDevices } from "./handlers/lost-device.ts";
import { fetchTask, submitAction } from "./handlers/message-extension.ts";

export class LatchkeyBot extends TeamsActivityHandler {
  constructor(private readonly deps: TeamsDeps) {
    super();
    this.onTurn(async (ctx, next) => {
      // A contact or reference that cannot be stored must not cost the user their answer.
      await deps.security
        .observe(ctx.activity)
        .catch((err: unknown) =>
          deps.engine.log.warn({ err: errorText(err) }, "could not store the security channel's reference"),
        );
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
      if (isPersonal(ctx.activity, deps.local)) {
        const devices = await guarded(deps, "welcome devices", () => myDevices(deps, ctx));
        await ctx.sendActivity({
          attachments: [attachment(messageCard("Welcome to Latchkey", ...HELP)), attachment(devices)],
        });
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

  protected override handleTeamsTaskModuleFetch(
    ctx: TurnContext,
    request: TaskModuleRequest,
  ): Promise<TaskModuleResponse> {
    return taskFetch(this.deps, ctx, request);
  }

  protected override onAdaptiveCardInvoke(
    ctx: TurnContext,
    value: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    return onCardAction(this.deps, ctx, value);
  }
}
