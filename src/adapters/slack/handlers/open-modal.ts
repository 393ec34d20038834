// Opening a modal whose content takes a lookup (the reset form, the lost-device form). Its trigger
// lasts 3 s, so the content gets a short head start: ready by then (the usual case), it is opened
// as is, one Web API call; otherwise a loading view is opened at once and replaced by views.update
// when the content is ready (the lookup may wait on Slack's users.info, or on a busy database).
import type { webApi } from "@slack/bolt";
import { loadingView, type Modal } from "../views/modal.ts";

/** How long the content may take before the loading view goes out (the trigger lasts 3 s). */
export const DIRECT_OPEN_MS = 300;

export async function openModal(
  client: webApi.WebClient,
  o: { triggerId: string; title: string; content: Promise<Modal>; directOpenMs?: number },
): Promise<void> {
  // Awaited below on every path but one (the loading view failing to open): never unhandled.
  o.content.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const early = await Promise.race([
    o.content.then((view) => ({ view })),
    new Promise<null>((ok) => {
      timer = setTimeout(ok, o.directOpenMs ?? DIRECT_OPEN_MS, null);
    }),
  ]).finally(() => clearTimeout(timer));
  if (early) {
    await client.views.open({ trigger_id: o.triggerId, view: early.view as never });
    return;
  }
  const opened = await client.views.open({ trigger_id: o.triggerId, view: loadingView(o.title) as never });
  const id = opened.view?.id;
  if (!id) throw new Error("Slack did not return the opened view");
  const view = await o.content;
  await client.views.update({
    view_id: id,
    view: view as never,
    ...(opened.view?.hash ? { hash: opened.view.hash } : {}),
  });
}
