// What every Teams handler needs, built once by the adapter; and the one place that turns an
// unexpected error into words for the person who acted (never a stack or a raw platform code).
import type { Engine } from "../../../core/engine.ts";
import type { Card } from "../cards/render.ts";
import { messageCard } from "../cards/render.ts";
import type { TeamsIdentity } from "../identity.ts";
import type { SecurityChannel } from "../security-channel.ts";

export interface TeamsDeps {
  engine: Engine;
  identity: TeamsIdentity;
  /** The channel that gets lost-device alerts. */
  security: SecurityChannel;
  /** Local mode (no app id): the Emulator and the Agents Playground. */
  local: boolean;
  /** How long an invoke may wait for a reset to start before it answers "under way" (Teams retries at 5 s). */
  answerWithinMs: number;
  /** Work that goes on after the turn has answered; the adapter waits for it when stopping. */
  later(work: Promise<unknown>): void;
}

export const FAILURE_TEXT = (ref: string) =>
  `Something went wrong in Latchkey (reference ${ref}). Type **status** in your chat with Latchkey before trying again.`;

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
    return messageCard("Something went wrong", FAILURE_TEXT(ref));
  }
}

/**
 * The outcome of `work` if it settles within the answer time, else null while it goes on in the
 * background (a reset's start waits for the push to the device, which may be slow).
 */
export async function answerWithin<T>(deps: TeamsDeps, what: string, work: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((ok) => {
    timer = setTimeout(() => ok(null), deps.answerWithinMs);
  });
  try {
    const first = await Promise.race([work, late]);
    if (first !== null) return first;
  } finally {
    clearTimeout(timer);
  }
  deps.later(
    work.catch((err: unknown) =>
      deps.engine.log.error(
        { what, err: err instanceof Error ? err.message : String(err) },
        "Teams background work failed after the answer",
      ),
    ),
  );
  return null;
}

/** Reads a string field of card data (inputs arrive as strings; anything else is ignored). */
export function field(data: unknown, name: string): string {
  const v = (data as Record<string, unknown> | null | undefined)?.[name];
  return typeof v === "string" ? v.trim() : typeof v === "boolean" ? String(v) : "";
}
