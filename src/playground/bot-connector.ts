// The Playground's Teams: the one local Bot Connector (src/local-platforms/bot-connector.ts, the
// same the tests run against), at the serviceUrl the page puts in its activities
// (/playground/teams/), for the Playground's people. It hands the page each conversation's
// messages.
import { createBotConnector as createConnector, type TeamsUser } from "../local-platforms/bot-connector.ts";

export type { TeamsUser };

export const PLAYGROUND_TENANT = "playground-tenant";
const MAX_KEPT = 500;

export function createBotConnector(opts: { users: () => Promise<TeamsUser[]>; changed: () => void }) {
  const connector = createConnector({
    users: opts.users,
    tenantId: PLAYGROUND_TENANT,
    keep: MAX_KEPT,
    onChange: opts.changed,
  });
  return {
    /** One call to the connector: `parts` is the path after the service URL (v3/conversations/...). */
    handle: connector.handle,
    snapshot: () => ({ messages: connector.messages.map((m) => ({ ...m, edits: m.edits.length })) }),
  };
}

export type BotConnector = ReturnType<typeof createBotConnector>;
