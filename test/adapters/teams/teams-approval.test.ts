// The two-person rule in Teams (REQUIRE_APPROVAL=true), through botbuilder's CloudAdapter and the
// fake Bot Connector: Ada starts a reset of Felix's phone from the message extension; the status
// card posted in the channel waits with Approve and Reject (Action.Execute); Ada's own Approve is
// refused to her alone, and her refreshed card has no Approve; Sam approves from the card and the
// reset runs to Completed, the card updated in place. A rejection from the card ends the request
// with the reason typed on the card.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHANNEL,
  cardOf,
  cardText,
  startTeamsHarness,
  type TeamsHarness,
} from "../../support/teams-harness.ts";

const where = { kind: "channel" } as const;
type Action = { type: string; title?: string; verb?: string; data?: Record<string, unknown> };
const actionsOf = (card: Record<string, unknown>) => (card.actions ?? []) as Action[];
const verbsOf = (card: Record<string, unknown>) => actionsOf(card).map((a) => a.verb);

async function startThroughTeams(h: TeamsHarness, deviceId: string) {
  const confirm = cardOf(
    (
      await h.teams.submitAction("29:ada", where, {
        verb: "reset.confirm",
        owner: "felix.field@example.com",
        deviceId,
        notifyUser: "false",
      })
    ).body,
  );
  const start = actionsOf(confirm)[0];
  expect(start?.type).toBe("Action.Submit");
  const done = await h.teams.submitAction("29:ada", where, start?.data ?? {});
  expect(done.status).toBe(200);
  const [request] = await h.running.core.engine.stores.requests.list({ limit: 1, deviceId });
  if (!request) throw new Error("no request");
  const root = await h.fake.waitForMessage(
    CHANNEL,
    (m) => cardText(m.activity).includes(request.id) && m.replyToId === null,
  );
  return { request, root };
}

function rootCard(h: TeamsHarness, id: string) {
  return cardOf(h.fake.messages(CHANNEL).find((m) => m.id === id)?.activity);
}

async function auditRows(h: TeamsHarness, requestId: string) {
  return (await h.running.core.engine.stores.audit.list({})).filter((a) => a.requestId === requestId);
}

describe("Teams: the two-person rule on the status card", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({ REQUIRE_APPROVAL: "true" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("Ada cannot approve her own reset; Sam approves from the card; the reset completes", async () => {
    const { request, root } = await startThroughTeams(h, "demo-pixel-xl-android7-owner");
    expect(request.state).toBe("awaiting_approval");
    const posted = rootCard(h, root.id);
    expect(cardText(posted)).toContain("Waiting for a second admin's approval");
    expect(verbsOf(posted)).toEqual(expect.arrayContaining(["request.approve", "request.reject"]));

    // Ada's own Approve: refused to her alone, audited, nothing changes.
    const own = await h.teams.cardAction("29:ada", where, "request.approve", { requestId: request.id });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ type: "application/vnd.microsoft.activity.message" });
    expect(String((own.body as { value: unknown }).value)).toContain("a second admin must approve it");
    // Her own refreshed card offers Cancel but no Approve; Sam's offers Approve.
    const adaCard = cardOf(
      (await h.teams.cardAction("29:ada", where, "request.refresh", { requestId: request.id })).body,
    );
    expect(verbsOf(adaCard)).toContain("request.cancel");
    expect(verbsOf(adaCard)).not.toContain("request.approve");
    const samCard = cardOf(
      (await h.teams.cardAction("29:sam", where, "request.refresh", { requestId: request.id })).body,
    );
    expect(verbsOf(samCard)).toContain("request.approve");
    // Erin, an employee, is refused.
    const erin = await h.teams.cardAction("29:erin", where, "request.approve", { requestId: request.id });
    expect(String((erin.body as { value: unknown }).value)).toContain("Only IT admins can approve");
    expect((await h.running.core.engine.stores.requests.get(request.id))?.state).toBe("awaiting_approval");

    // Sam approves: his card is refreshed in place, the reset goes on to Completed.
    const approved = await h.teams.cardAction("29:sam", where, "request.approve", { requestId: request.id });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ type: "application/vnd.microsoft.card.adaptive" });
    expect(verbsOf(cardOf(approved.body))).not.toContain("request.approve");
    const thread = `${CHANNEL};messageid=${root.id}`;
    await h.fake.waitForMessage(thread, (m) => String(m.activity.text).includes("Approved by Sam Security"));
    await h.fake.waitForMessage(thread, (m) => String(m.activity.text).includes("Completed"), 10_000);
    await expect.poll(() => cardText(rootCard(h, root.id))).toContain("Completed");
    expect(verbsOf(rootCard(h, root.id))).not.toContain("request.approve");

    const rows = await auditRows(h, request.id);
    expect(
      rows.filter((a) => a.action === "approval.approve").map((a) => [a.actor, a.surface, a.outcome]),
    ).toEqual([
      ["ada.admin@example.com", "teams", "refused"],
      ["erin.engineer@example.com", "teams", "refused"],
      ["sam.security@example.com", "teams", "ok"],
    ]);
    // The passcode goes to the requester's 1:1, never the approver's.
    const adaChat = h.fake.personalConversationOf("29:ada");
    await h.fake.waitForMessage(adaChat, (m) => cardText(m.activity).includes("New passcode"));
    const samChat = h.fake.personalConversationOf("29:sam");
    expect(h.fake.messages(samChat).some((m) => cardText(m.activity).includes("New passcode"))).toBe(false);
  });

  it("Sam rejects from the card with a reason: the request ends as Rejected", async () => {
    const { request, root } = await startThroughTeams(h, "demo-galaxy-s7-android6-admin");
    const rejected = await h.teams.cardAction("29:sam", where, "request.reject", {
      requestId: request.id,
      reason: "Felix found it in the car",
    });
    expect(rejected.status).toBe(200);
    expect(cardText(cardOf(rejected.body))).toContain("Rejected");
    const done = await h.running.core.engine.stores.requests.get(request.id);
    expect(done?.state).toBe("rejected");
    expect(done?.outcome).toBe("Rejected by sam.security@example.com. Reason: Felix found it in the car");
    const thread = `${CHANNEL};messageid=${root.id}`;
    await h.fake.waitForMessage(thread, (m) => String(m.activity.text).includes("Felix found it in the car"));
    await expect.poll(() => cardText(rootCard(h, root.id))).toContain("Rejected");
    expect(verbsOf(rootCard(h, root.id))).not.toContain("request.reject");
    expect((await auditRows(h, request.id)).find((a) => a.action === "approval.reject")).toMatchObject({
      actor: "sam.security@example.com",
      surface: "teams",
      outcome: "ok",
    });
  });
});
