// Which activities Latchkey serves at all, once the token (if any) is verified: Microsoft Teams
// only (the Bot Framework Emulator too in local mode), and, with an app id, only the bot's own
// tenant (MICROSOFT_APP_TENANT_ID): a Bot Framework token proves Microsoft sent the activity, not
// that its sender belongs to this organization. A refused activity changes nothing; it is audited
// under the sender's Teams id.
import { recordAudit } from "../../core/audit-trail.ts";
import type { Engine } from "../../core/engine.ts";

interface ActivityLike {
  channelId?: string;
  conversation?: { tenantId?: string };
  channelData?: { tenant?: { id?: string } };
  from?: { id?: string; aadObjectId?: string };
}

export function activityRefusal(
  activity: ActivityLike,
  opts: { local: boolean; tenantId: string | null },
): string | null {
  const channels = opts.local ? ["msteams", "emulator"] : ["msteams"];
  if (!activity.channelId || !channels.includes(activity.channelId)) {
    return `channel "${activity.channelId ?? ""}" is not ${opts.local ? "Teams or the Emulator" : "Microsoft Teams"}`;
  }
  if (!opts.local && opts.tenantId) {
    const said = [activity.conversation?.tenantId, activity.channelData?.tenant?.id].filter(
      (t): t is string => typeof t === "string",
    );
    if (said.length === 0 || said.some((t) => t !== opts.tenantId)) {
      return `tenant ${said.join(" / ") || "(none)"} is not this bot's tenant (${opts.tenantId})`;
    }
  }
  return null;
}

/** Records a refused activity when it names a sender (nothing else about it is trusted). */
export async function auditRefusal(engine: Engine, activity: ActivityLike, why: string): Promise<void> {
  const who = activity.from?.aadObjectId ?? activity.from?.id;
  if (!who) return;
  await recordAudit(engine, {
    actor: `teams:${who}`.slice(0, 200),
    surface: "teams",
    action: "teams.activity",
    outcome: "refused",
    detail: `Activity refused: ${why}.`.slice(0, 500),
  });
}
