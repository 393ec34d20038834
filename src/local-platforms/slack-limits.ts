// The limits Slack enforces on what Latchkey sends (docs/platforms.md: 50 blocks in a message, 100
// in a view, modal title/submit/close 24 characters, private_metadata 3000), worded as Slack's
// `invalid_blocks` / `invalid_arguments` answers word them.
import { type Args, fail, isRecord, type Reply, str } from "./slack-args.ts";

export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;
export const MAX_VIEW_TEXT = 24;
export const MAX_PRIVATE_METADATA = 3000;
export const MAX_CALLBACK_ID = 255;

/** What chat.postMessage/update/postEphemeral refuse: nothing to show, or more than 50 blocks. */
export function messageProblem(args: Args): Reply | undefined {
  const blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
  if (!str(args.text) && !blocks?.length && !args.attachments) return fail("no_text");
  if (blocks && blocks.length > MAX_MESSAGE_BLOCKS) {
    return fail("invalid_blocks", [
      `[ERROR] no more than ${MAX_MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]`,
    ]);
  }
  return undefined;
}

/** The view limits Slack enforces, as its `invalid_arguments` messages word them. */
export function viewProblems(view: unknown, type: "modal" | "home" = "modal"): string[] {
  if (!isRecord(view)) return ["[ERROR] missing required field: view [json-pointer:/view]"];
  const problems: string[] = [];
  if (view.type !== type) problems.push(`[ERROR] must be ${type} [json-pointer:/view/type]`);
  const blocks = Array.isArray(view.blocks) ? view.blocks : undefined;
  if (!blocks) problems.push("[ERROR] missing required field: blocks [json-pointer:/view/blocks]");
  else if (blocks.length > MAX_VIEW_BLOCKS)
    problems.push(`[ERROR] no more than ${MAX_VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]`);
  if (view.type === "modal") {
    if (!isRecord(view.title))
      problems.push("[ERROR] missing required field: title [json-pointer:/view/title]");
    for (const key of ["title", "submit", "close"]) {
      const text = isRecord(view[key]) ? str((view[key] as Record<string, unknown>).text) : undefined;
      if (text !== undefined && text.length > MAX_VIEW_TEXT) {
        problems.push(
          `[ERROR] must be less than ${MAX_VIEW_TEXT + 1} characters [json-pointer:/view/${key}/text]`,
        );
      }
    }
    if (blocks?.some((b) => isRecord(b) && b.type === "input") && !isRecord(view.submit)) {
      problems.push(
        "[ERROR] submit is required when an input block is within the blocks array [json-pointer:/view]",
      );
    }
  }
  if ((str(view.private_metadata) ?? "").length > MAX_PRIVATE_METADATA) {
    problems.push(
      `[ERROR] must be less than ${MAX_PRIVATE_METADATA + 1} characters [json-pointer:/view/private_metadata]`,
    );
  }
  if ((str(view.callback_id) ?? "").length > MAX_CALLBACK_ID) {
    problems.push(
      `[ERROR] must be less than ${MAX_CALLBACK_ID + 1} characters [json-pointer:/view/callback_id]`,
    );
  }
  return problems;
}
