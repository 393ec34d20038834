// The Playground's Slack: the one local Slack Web API (src/local-platforms/slack-web-api.ts, the
// same the tests run against) served at /playground/slack/api/<method> as https://slack.com/api/
// would be, the response_urls its commands answer to, and what the page needs to play the Slack
// client: trigger ids issued for the person acting (single use, 3 s) and the modal stack a
// `response_action` changes. It hands the page what a user would see (channel and DM messages,
// ephemerals and replies, modals).
import { isRecord, parseCall } from "../local-platforms/slack-args.ts";
import type { ModalMove } from "../local-platforms/slack-views.ts";
import { createSlackWebApi, type SlackUser } from "../local-platforms/slack-web-api.ts";

export type WorkspaceUser = SlackUser & { realName: string; email: string };

export const PLAYGROUND_TEAM = { id: "T0PLAYGROUND", domain: "latchkey-playground" };
export const PLAYGROUND_BOT_USER = "U0LATCHKEY";
const MAX_KEPT = 500;

export function createSlackWorkspace(opts: {
  botToken: string;
  users: () => Promise<WorkspaceUser[]>;
  changed: () => void;
}) {
  const slack = createSlackWebApi({
    teamId: PLAYGROUND_TEAM.id,
    teamName: "Latchkey Playground",
    domain: PLAYGROUND_TEAM.domain,
    botUserId: PLAYGROUND_BOT_USER,
    directory: opts.users,
    botToken: opts.botToken,
    keep: MAX_KEPT,
    onChange: opts.changed,
  });

  return {
    /** A Web API call from Latchkey's client. */
    api(method: string, contentType: string | undefined, raw: string, authorization?: string) {
      const { args, token } = parseCall(contentType, raw, authorization);
      return slack.call(method, args, token);
    },
    /**
     * A post to a response_url the page put in a command or a click (respond() in Bolt); `id` is
     * what follows .../slack/response/ (`<user>/<n>`). False when Slack would refuse it.
     */
    respond: (id: string, raw: string): boolean => slack.respond(id, raw),
    /** A trigger id for an interaction the page is about to send as `user`. */
    trigger: (user: string): string => slack.issueTrigger({ user }),
    /** What Slack does with a view_submission's answer (`response_action`), or a closed modal. */
    modal(user: string, op: string, view?: Record<string, unknown>, errors?: unknown): void {
      slack.moveModal(user, op as ModalMove, view, errors);
    },
    async snapshot() {
      await slack.refreshUsers();
      const replies = slack.responses.map((r) => {
        const body = isRecord(r.body) ? r.body : { text: String(r.body) };
        return {
          at: r.at.getTime(),
          channel: "response",
          user: r.id.split("/")[0] ?? "",
          text: String(body.text ?? ""),
          blocks: Array.isArray(body.blocks) ? body.blocks : [],
        };
      });
      return {
        team: PLAYGROUND_TEAM,
        users: slack.users(),
        messages: slack.messages.map((m) => ({ ...m, edits: m.edits.length })),
        ephemerals: [...slack.ephemerals, ...replies].sort((a, b) => a.at - b.at),
        modals: slack.modals(),
      };
    },
  };
}

export type SlackWorkspace = ReturnType<typeof createSlackWorkspace>;
