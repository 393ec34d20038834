// Modal shells shared by the reset and lost-device flows.
import { VIEWS } from "../ids.ts";
import { type Block, plain, section } from "../text.ts";

export interface Modal {
  type: "modal";
  callback_id: string;
  title: ReturnType<typeof plain>;
  submit?: ReturnType<typeof plain>;
  close?: ReturnType<typeof plain>;
  private_metadata?: string;
  blocks: Block[];
  [key: string]: unknown;
}

export function modal(
  callbackId: string,
  title: string,
  blocks: Block[],
  opts: { submit?: string; close?: string; metadata?: unknown } = {},
): Modal {
  return {
    type: "modal",
    callback_id: callbackId,
    title: plain(title, 24),
    ...(opts.submit ? { submit: plain(opts.submit, 24) } : {}),
    close: plain(opts.close ?? "Close", 24),
    ...(opts.metadata !== undefined ? { private_metadata: JSON.stringify(opts.metadata) } : {}),
    blocks: blocks.slice(0, 100),
  };
}

/** Opened with the trigger (valid 3 s) when the content is slow; replaced by it (open-modal.ts). */
export function loadingView(title: string): Modal {
  return modal(VIEWS.loading, title, [section(":hourglass_flowing_sand: Looking up devices…")]);
}

/** A modal that only tells something (unknown user, no device, not allowed). */
export function messageView(title: string, text: string): Modal {
  return modal(VIEWS.message, title, [section(text)]);
}
