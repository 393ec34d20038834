// The personal chat: an employee reports a lost device (own devices only, confirm, locked; the
// security channel gets an alert card that follows the request live), an admin resets from a chat
// command, cancels with the status card's Cancel (Action.Execute answers with the refreshed card),
// and asks for status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cardOf,
  cardText,
  SECURITY_CONVERSATION,
  startTeamsHarness,
  type TeamsHarness,
} from "../../support/teams-harness.ts";

const personal = { kind: "personal" } as const;
type Action = { type: string; verb?: string; data?: Record<string, unknown> };
const actionsOf = (card: Record<string, unknown>) => (card.actions ?? []) as Action[];

describe("Teams: personal chat", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function lastCard(userId: string) {
    const conv = h.teams.conversationId(userId, personal);
    const before = h.fake.messages(conv).length;
    return async () => {
      await expect.poll(() => h.fake.messages(conv).length).toBeGreaterThan(before);
      return cardOf(h.fake.messages(conv).at(-1)?.activity);
    };
  }

  it("'I lost my device': own devices, confirm, locked; the security channel is alerted and follows it", async () => {
    const wait = await lastCard("29:felix");
    expect((await h.teams.message("29:felix", "I lost my device")).status).toBe(200);
    const form = await wait();
    expect(cardText(form)).toContain("Which of your devices");
    expect(cardText(form)).toContain("Galaxy S7");
    expect(cardText(form)).not.toContain("Moto G5"); // Omar's, not Felix's
    const next = actionsOf(form)[0];
    expect(next?.type).toBe("Action.Execute");

    const confirm = await h.teams.cardAction("29:felix", personal, next?.verb ?? "", {
      deviceId: "demo-galaxy-s7-android6-admin",
    });
    expect(confirm.status).toBe(200);
    const confirmCard = cardOf(confirm.body);
    expect(cardText(confirmCard)).toContain("Report **Felix's Galaxy S7");
    const lock = actionsOf(confirmCard)[0];

    // Someone else's device cannot be reported.
    const other = await h.teams.cardAction("29:felix", personal, "lost.confirm", {
      deviceId: "demo-moto-g5-android7-admin-passcode",
    });
    expect(cardText(cardOf(other.body))).toContain("only report your own devices");

    const started = await h.teams.cardAction("29:felix", personal, lock?.verb ?? "", lock?.data ?? {});
    expect(cardText(cardOf(started.body))).toContain("is being locked");
    const again = await h.teams.cardAction("29:felix", personal, lock?.verb ?? "", lock?.data ?? {});
    expect(again.status).toBe(200);
    expect(
      await h.running.core.engine.stores.requests.list({
        limit: 5,
        deviceId: "demo-galaxy-s7-android6-admin",
      }),
    ).toHaveLength(1);

    const alert = await h.fake.waitForMessage(SECURITY_CONVERSATION, (m) =>
      cardText(m.activity).includes("Lost device reported"),
    );
    expect(cardText(alert.activity)).toContain("Reported by");
    const thread = `${SECURITY_CONVERSATION};messageid=${alert.id}`;
    await h.fake.waitForMessage(thread, (m) => String(m.activity.text).includes("Completed"), 20_000);
    await expect
      .poll(() => cardText(h.fake.messages(SECURITY_CONVERSATION).find((m) => m.id === alert.id)?.activity), {
        timeout: 5000,
      })
      .toContain("Completed");
    // Felix's own chat follows it too, and the passcode reached him there (not in the security channel).
    const felixChat = h.teams.conversationId("29:felix", personal);
    await h.fake.waitForMessage(felixChat, (m) => cardText(m.activity).includes("New passcode"));
    const passcode =
      /New passcode: (\d+)/.exec(cardText(h.fake.messages(felixChat).map((m) => m.activity)))?.[1] ?? "";
    expect(passcode).not.toBe("");
    for (const m of h.fake.allMessages().filter((x) => !x.conversationId.startsWith("a:"))) {
      expect(cardText([m.activity, m.edits])).not.toContain(passcode);
    }
  });

  it("a refreshed card takes its purpose from the stored thread, not from the button's data", async () => {
    const [request] = await h.running.core.engine.stores.requests.list({
      limit: 1,
      deviceId: "demo-galaxy-s7-android6-admin",
    });
    const requestId = request?.id ?? "";
    // In the security channel, Sam (an admin) sees the alert's card.
    const inChannel = await h.teams.cardAction(
      "29:sam",
      { kind: "channel", id: SECURITY_CONVERSATION },
      "request.refresh",
      {
        requestId,
      },
    );
    expect(cardText(cardOf(inChannel.body))).toContain("Lost device reported");
    // In Felix's own chat, a button claiming to be the security card's is still his chat's card.
    const forged = await h.teams.cardAction("29:felix", personal, "request.refresh", {
      requestId,
      purpose: "security",
    });
    const text = cardText(cardOf(forged.body));
    expect(text).toContain("Felix's Galaxy S7");
    expect(text).not.toContain("Lost device reported");
    expect(text).toContain("Requested by");
  });

  it("status and cancel in a channel point to the personal chat; unknown text gets help", async () => {
    await h.teams.message("29:ada", "<at>Latchkey</at> status", { kind: "channel" });
    await expect
      .poll(() => h.fake.allMessages().some((m) => cardText(m.activity).includes("chat with me 1:1")))
      .toBe(true);
    const wait = await lastCard("29:ada");
    await h.teams.message("29:ada", "make me a sandwich");
    expect(cardText(await wait())).toContain("I did not understand");
  });

  it("a user Teams gives only a UPN for is matched by it", async () => {
    const wait = await lastCard("29:mia");
    await h.teams.message("29:mia", "I lost my device");
    expect(cardText(await wait())).toContain("Which of your devices");
    expect(
      await h.running.core.engine.stores.directory.chatUserOf("teams", "mia.marketing@example.com"),
    ).toBe("aad-mia");
  });
});

describe("Teams: cancel from the status card", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
    // The simulated phones stop answering: nothing picks the command up, so it stays cancellable.
    await h.running.simulator?.stop();
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function lastCard(userId: string) {
    const conv = h.teams.conversationId(userId, personal);
    const before = h.fake.messages(conv).length;
    return async () => {
      await expect.poll(() => h.fake.messages(conv).length).toBeGreaterThan(before);
      return cardOf(h.fake.messages(conv).at(-1)?.activity);
    };
  }

  it("an admin resets from 'reset passcode <email>' and cancels with the status card's Cancel", async () => {
    const wait = await lastCard("29:ada");
    await h.teams.message("29:ada", "reset passcode mia.marketing@example.com");
    const form = await wait();
    expect(cardText(form)).toContain("Mia Marketing");
    const next = actionsOf(form)[0];
    expect(next?.type).toBe("Action.Execute");
    const confirm = cardOf(
      (
        await h.teams.cardAction("29:ada", personal, next?.verb ?? "", {
          ...(next?.data ?? {}),
          deviceId: "demo-pixel-9-never-seen",
          notifyUser: "false",
        })
      ).body,
    );
    expect(cardText(confirm)).toContain("Confirm reset");
    const start = actionsOf(confirm)[0];
    await h.teams.cardAction("29:ada", personal, start?.verb ?? "", start?.data ?? {});

    const adaChat = h.teams.conversationId("29:ada", personal);
    const status = await h.fake.waitForMessage(adaChat, (m) =>
      cardText(m.activity).includes("request.refresh"),
    );
    const requestId = /Request (rq_[A-Za-z0-9_-]+)/.exec(cardText(status.activity))?.[1] ?? "";
    expect(requestId).not.toBe("");
    // The card everyone sees: no Cancel; it refreshes by itself for the requester only.
    const posted = cardOf(status.activity);
    expect(cardText(posted)).not.toContain("request.cancel");
    expect((posted.refresh as { userIds?: string[] }).userIds).toEqual(["29:ada"]);
    expect((posted.refresh as { action?: { data?: unknown } }).action?.data).toEqual({ requestId });

    // Refreshed for Ada, who may cancel: Cancel appears. For Erin, who may not even view it: refused.
    const forAda = cardOf(
      (await h.teams.cardAction("29:ada", personal, "request.refresh", { requestId })).body,
    );
    expect(actionsOf(forAda).map((a) => a.verb)).toContain("request.cancel");
    const forErin = cardText(
      cardOf((await h.teams.cardAction("29:erin", personal, "request.refresh", { requestId })).body),
    );
    expect(forErin).toContain("⛔");
    expect(forErin).not.toContain("request.cancel");
    const views = (await h.running.core.engine.stores.audit.list({})).filter(
      (a) => a.action === "authorize.view" && a.requestId === requestId,
    );
    expect(views.map((a) => [a.actor, a.outcome])).toEqual(
      expect.arrayContaining([
        ["ada.admin@example.com", "allowed"],
        ["erin.engineer@example.com", "refused"],
      ]),
    );

    // Someone who may not cancel is told so privately; the request goes on.
    const refused = await h.teams.cardAction("29:erin", personal, "request.cancel", { requestId });
    expect((refused.body as { type?: string }).type).toBe("application/vnd.microsoft.activity.message");

    const cancelled = await h.teams.cardAction("29:ada", personal, "request.cancel", { requestId });
    expect(cancelled.status).toBe(200);
    const refreshed = cardOf(cancelled.body);
    expect(cardText(refreshed)).toContain("Cancelled");
    expect(cardText(refreshed)).not.toContain("request.cancel");
    // The posted card is updated too, and the thread (the chat) says so.
    await expect
      .poll(() => cardText(h.fake.messages(adaChat).find((m) => m.id === status.id)?.activity))
      .toContain("Cancelled");
    await h.fake.waitForMessage(adaChat, (m) =>
      String(m.activity.text).includes("Cancelled by ada.admin@example.com"),
    );

    const wait2 = await lastCard("29:ada");
    await h.teams.message("29:ada", "status");
    expect(cardText(await wait2())).toContain(requestId);
  });
});
