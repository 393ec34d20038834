// Latchkey's Slack handlers behind one Bolt global middleware, rather than one Bolt listener each.
// Bolt runs every listener's middleware chain for every request, each step with its own copy of
// the arguments: with Latchkey's eleven listeners a command went through a dozen steps that
// could only say "not mine" (a bare Bolt app with eleven listeners answers about 30% fewer
// commands than with two; docs/performance.md). Here one table lookup finds the handler. The
// handlers are written against Bolt's own listener API (`routes.command(name, fn)` as
// `app.command`), and each kind matches by Bolt's rule for a string id:
//   command   the slash command's name
//   view      a view_submission's callback_id (a view_closed is not a submission)
//   action    a block action's action_id
//   shortcut  a global or message shortcut's callback_id
//   event     the event's type (Bolt acknowledged it before any middleware runs)
// What matches nothing goes on down Bolt's chain as before (no listener: nothing answers it).
import type { AnyMiddlewareArgs, App, Middleware } from "@slack/bolt";

/** The part of Bolt's listener API the handlers use; they register on this, not on the App. */
export type SlackRoutes = Pick<App, "command" | "view" | "action" | "shortcut" | "event">;

type Kind = "command" | "view" | "action" | "shortcut" | "event";
// biome-ignore lint/suspicious/noExplicitAny: each handler is typed by the Bolt signature it was registered with
type Handler = (args: any) => Promise<void>;

export interface SlackRouter {
  routes: SlackRoutes;
  /** Bolt's global middleware: the matched handler, else the rest of Bolt's chain. */
  middleware: Middleware<AnyMiddlewareArgs>;
}

export function createSlackRouter(): SlackRouter {
  const tables: Record<Kind, Map<string, Handler>> = {
    command: new Map(),
    view: new Map(),
    action: new Map(),
    shortcut: new Map(),
    event: new Map(),
  };
  const add =
    (kind: Kind) =>
    (id: unknown, handler: unknown, ...more: unknown[]) => {
      if (typeof id !== "string" || typeof handler !== "function" || more.length > 0)
        throw new Error(`Slack ${kind} routes take one string id and one handler`);
      if (tables[kind].has(id)) throw new Error(`Slack ${kind} "${id}" already has a handler`);
      tables[kind].set(id, handler as Handler);
    };
  // Bolt's overloads accept patterns and constraint objects too; Latchkey's handlers use a string
  // id and one function, and anything else is refused at registration (start-up), not ignored.
  const routes = {
    command: add("command"),
    view: add("view"),
    action: add("action"),
    shortcut: add("shortcut"),
    event: add("event"),
  } as unknown as SlackRoutes;

  function match(body: unknown): Handler | null {
    const b = body as Record<string, unknown>;
    if (typeof b.command === "string") return tables.command.get(b.command) ?? null;
    switch (b.type) {
      case "view_submission":
        return tables.view.get(str((b.view as { callback_id?: unknown })?.callback_id)) ?? null;
      case "block_actions": {
        const [first] = Array.isArray(b.actions) ? (b.actions as { action_id?: unknown }[]) : [];
        return tables.action.get(str(first?.action_id)) ?? null;
      }
      case "shortcut":
      case "message_action":
        return tables.shortcut.get(str(b.callback_id)) ?? null;
      case "event_callback":
        return tables.event.get(str((b.event as { type?: unknown })?.type)) ?? null;
      default:
        return null;
    }
  }

  return {
    routes,
    middleware: async (args) => {
      const handler = match(args.body);
      if (handler) await handler(args);
      else await args.next();
    },
  };
}

const str = (v: unknown) => (typeof v === "string" ? v : "");
