// The last resort of a turn (CloudAdapter.onTurnError): a failure no handler caught is logged with
// a reference, and the person is told something went wrong with that reference, in the form the
// activity expects (a chat message; an invoke's answer for a card button, a dialog or a message
// extension), never with a stack or a raw platform code.
import { ActivityTypes, type TurnContext } from "botbuilder";
import { type Engine, errorText } from "../../core/engine.ts";
import { attachment, messageCard } from "./cards/render.ts";
import { FAILURE_TEXT } from "./handlers/deps.ts";

export function turnErrorHandler(engine: Engine) {
  return async (ctx: TurnContext, err: Error): Promise<void> => {
    const ref = engine.random.id("err");
    const { type, name } = ctx.activity;
    engine.log.error({ component: "teams", ref, type, name, err: errorText(err) }, "Teams turn failed");
    const text = FAILURE_TEXT(ref);
    try {
      if (type === ActivityTypes.Invoke) {
        await ctx.sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: { status: 200, body: invokeAnswer(name, text) },
        });
      } else if (type === ActivityTypes.Message) {
        await ctx.sendActivity({ attachments: [attachment(messageCard("Something went wrong", text))] });
      }
    } catch (e) {
      engine.log.warn(
        { component: "teams", ref, err: errorText(e) },
        "could not tell the user about the failure",
      );
    }
  };
}

function invokeAnswer(name: string | undefined, text: string): unknown {
  if (name === "adaptiveCard/action") {
    return { statusCode: 200, type: "application/vnd.microsoft.activity.message", value: text };
  }
  if (name?.startsWith("composeExtension/") || name?.startsWith("task/")) {
    return { task: { type: "message", value: text } };
  }
  return { error: text };
}
