// The App Home tab: published when the user opens it, and again after they report a device.

import { homeScreen } from "../../../core/reset/home-screen.ts";
import type { SlackRoutes } from "../routes.ts";
import { homeView } from "../views/home-view.ts";
import { guarded, type SlackDeps } from "./deps.ts";

export function registerHome(app: SlackRoutes, deps: SlackDeps): void {
  app.event("app_home_opened", async ({ event }) => {
    if (event.tab !== "home") return;
    // Republishing is idempotent, so Slack's redeliveries (X-Slack-Retry-Num) are harmless.
    await guarded(
      deps,
      "publish home",
      () => publishHome(deps, event.user),
      async () => undefined,
    );
  });
}

export async function publishHome(deps: SlackDeps, userId: string): Promise<void> {
  const slackWho = await deps.identity.resolve(userId);
  const screen = slackWho.ok ? await homeScreen(deps.engine, slackWho.email) : null;
  const view =
    !slackWho.ok || !screen
      ? homeView(slackWho, [], [], false)
      : screen.status === "not_in_inventory"
        ? homeView(
            {
              ok: false,
              message: `You are not in Latchkey's inventory (${screen.email}). Ask IT to add you, then open this tab again.`,
            },
            [],
            [],
            false,
          )
        : homeView(slackWho, screen.devices, screen.recent, screen.seesAll);
  // No trigger waits for a Home tab: the background client, whose 429 pauses no reset form.
  await deps.background.views.publish({ user_id: userId, view: view as never });
}
