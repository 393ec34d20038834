// What every Teams handler needs, built once by the adapter; and the one place that turns an
// unexpected error into words for the person who acted (never a stack or a raw platform code).
import type { Engine } from "../../../core/engine.ts";
import type { Card } from "../cards/render.ts";
import { messageCard } from "../cards/render.ts";
import type { TeamsIdentity } from "../identity.ts";

export interface TeamsDeps {
  engine: Engine;
  identity: TeamsIdentity;
  /** Conversation id of the channel that gets lost-device alerts. */
  securityConversation: string | null;
}

/** Runs a handler's work; an unexpected failure is logged with a reference the user is given. */
export async function guarded(deps: TeamsDeps, what: string, work: () => Promise<Card>): Promise<Card> {
  try {
    return await work();
  } catch (err) {
    const ref = deps.engine.random.id("err");
    deps.engine.log.error(
      { ref, what, err: err instanceof Error ? err.message : String(err) },
      "Teams handler failed",
    );
    return messageCard(
      "Something went wrong",
      `Something went wrong in Latchkey (reference ${ref}). Type **status** in your chat with Latchkey before trying again.`,
    );
  }
}

/** Reads a string field of card data (inputs arrive as strings; anything else is ignored). */
export function field(data: unknown, name: string): string {
  const v = (data as Record<string, unknown> | null | undefined)?.[name];
  return typeof v === "string" ? v.trim() : typeof v === "boolean" ? String(v) : "";
}
