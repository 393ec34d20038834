// The App Home tab: published when the user opens it, and again after they report a device.

import { resolveActor } from "../../../core/authorization.ts";
import { can } from "../../../core/policy.ts";
import { ownDevices } from "../../../core/reset/device-choices.ts";
import { recentRequests } from "../../../core/reset/request-status.ts";
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
  const person = slackWho.ok ? await resolveActor(deps.engine, slackWho.email) : null;
  const who =
    slackWho.ok && !person
      ? {
          ok: false as const,
          message: `You are not in Latchkey's inventory (${slackWho.email}). Ask IT to add you, then open this tab again.`,
        }
      : slackWho;
  const isAdmin = can(person, "see_all").allowed;
  const devices = who.ok ? await ownDevices(deps.engine, who.email) : [];
  const recent =
    who.ok && isAdmin ? await recentRequests(deps.engine, { actorEmail: who.email, limit: 10 }) : [];
  // No trigger waits for a Home tab: the background client, whose 429 pauses no reset form.
  await deps.background.views.publish({
    user_id: userId,
    view: homeView(who, devices, recent, isAdmin) as never,
  });
}
