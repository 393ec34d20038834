// The acceptance in Teams: an admin launches "Reset passcode" from a message's "..." menu
// in a channel; the dialog is pre-filled with the message's author and lists their devices
// (refused ones with the reason, not selectable); the confirmation names device and owner; the
// submit starts one reset however often Teams retries it; the status card is posted in the channel
// and updated in place to Completed, milestones in its thread; the passcode arrives in a proactive
// 1:1 and by email, the same one, and unlocks the simulated phone; no channel activity carries it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeTeamsMessage } from "../../fakes/fake-bot-connector.ts";
import {
  CHANNEL,
  cardOf,
  cardText,
  startTeamsHarness,
  type TeamsHarness,
} from "../../support/teams-harness.ts";

const where = { kind: "channel" } as const;

type Action = { type: string; title?: string; data?: Record<string, unknown> };
const actionsOf = (card: Record<string, unknown>) => (card.actions ?? []) as Action[];
const bodyOf = (card: Record<string, unknown>) => (card.body ?? []) as Record<string, unknown>[];

function choicesOf(card: Record<string, unknown>): string[] {
  const set = bodyOf(card).find((b) => b.type === "Input.ChoiceSet");
  return ((set?.choices ?? []) as { value: string }[]).map((c) => c.value);
}

describe("Teams: reset from the message extension", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("resets and locks; the status card follows it in place; the 1:1 and the email carry the same passcode", async () => {
    const fetched = await h.teams.fetchTask("29:ada", where, { messageAuthorAad: "aad-felix" });
    expect(fetched.status).toBe(200);
    const form = cardOf(fetched.body);
    expect(form.version).toBe("1.5");
    expect(cardText(form)).toContain("Felix Field");
    expect(cardText(form)).toContain("Also send the new passcode to the device user");
    // Refused devices are listed with their reason and are not choices.
    expect(cardText(form)).toContain("Cannot be reset");
    expect(cardText(form)).toContain("Lumia 920");
    expect(choicesOf(form)).toContain("demo-pixel-xl-android7-owner");
    expect(choicesOf(form)).not.toContain("demo-lumia-920-wp80");

    const next = await h.teams.submitAction("29:ada", where, {
      ...(actionsOf(form)[0]?.data ?? {}),
      deviceId: "demo-pixel-xl-android7-owner",
      notifyUser: "false",
    });
    expect(next.status).toBe(200);
    const confirm = cardOf(next.body);
    expect(cardText(confirm)).toContain("Confirm reset");
    expect(cardText(confirm)).toContain("Felix Field");
    expect(cardText(confirm)).toContain("demo-pixel-xl-android7-owner");
    const start = actionsOf(confirm)[0];
    expect(start?.type).toBe("Action.Submit");

    const done = await h.teams.submitAction("29:ada", where, start?.data ?? {});
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ task: { type: "message" } });

    const root = await h.fake.waitForMessage(CHANNEL, (m) => cardText(m.activity).includes("Passcode reset"));
    expect(root.replyToId).toBeNull();
    const thread = `${CHANNEL};messageid=${root.id}`;
    await h.fake.waitForMessage(thread, (m) => String(m.activity.text).includes("Completed"), 10_000);
    const replies = h.fake
      .messages(thread)
      .map((m) => String(m.activity.text))
      .join("\n");
    for (const step of [
      "Checked",
      "Sent to the device",
      "Received by the device",
      "Passcode reset",
      "Locked",
      "Completed",
    ]) {
      expect(replies).toContain(step);
    }
    // Updated in place (PUT on the same activity), ending at Completed without a Cancel button.
    await expect
      .poll(() => cardText(h.fake.messages(CHANNEL).find((m) => m.id === root.id)?.activity))
      .toContain("Completed");
    const final = h.fake.messages(CHANNEL).find((m) => m.id === root.id) as FakeTeamsMessage;
    expect(final.edits.length).toBeGreaterThan(0);
    expect(cardText(final.activity)).not.toContain("request.cancel");
    expect(
      h.fake.messages(CHANNEL).filter((m) => cardText(m.activity).includes("Passcode reset")),
    ).toHaveLength(1);

    // The passcode: a proactive 1:1 (Ada never chatted with the bot: the 1:1 is created) and email.
    expect(h.fake.calls.some((c) => c.method === "POST" && c.path === "/v3/conversations")).toBe(true);
    const dmConv = h.fake.personalConversationOf("29:ada");
    const dm = await h.fake.waitForMessage(dmConv, (m) => cardText(m.activity).includes("New passcode"));
    const passcode = /New passcode: (\d+)/.exec(cardText(dm.activity))?.[1] ?? "";
    expect(passcode).toMatch(/^\d{6,}$/);
    expect(String(dm.activity.summary)).not.toContain(passcode);
    expect(String(dm.activity.text)).not.toContain(passcode);
    await expect.poll(async () => (await h.outbox()).length).toBeGreaterThan(0);
    const mail = (await h.outbox()).find((m) => m.to.includes("ada.admin@example.com"));
    expect(mail?.text).toContain(passcode);

    const unlock = await fetch(`${h.running.url}/simulator/devices/demo-pixel-xl-android7-owner/unlock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ passcode }),
    });
    expect(unlock.status).toBe(200);

    // Nowhere but the 1:1: no channel or thread activity, edit, or invoke answer carries it.
    const outside = h.fake.allMessages().filter((m) => !m.conversationId.startsWith("a:"));
    expect(outside.length).toBeGreaterThan(3);
    for (const m of outside) {
      expect(cardText(m.activity)).not.toContain(passcode);
      for (const e of m.edits) expect(cardText(e)).not.toContain(passcode);
    }
    expect(cardText([fetched.body, next.body, done.body])).not.toContain(passcode);
    expect(h.logs.join("")).not.toContain(passcode);
  });

  it("a retried or double submit starts one reset", async () => {
    const form = cardOf((await h.teams.fetchTask("29:ada", where, { commandContext: "compose" })).body);
    expect(cardText(form)).toContain("Their email address");
    const devices = cardOf(
      (await h.teams.submitAction("29:ada", where, { verb: "reset.form", owner: "leo.legal@example.com" }))
        .body,
    );
    expect(choicesOf(devices)).toContain("demo-lumia-950-win10-mobile");
    const confirm = cardOf(
      (
        await h.teams.submitAction("29:ada", where, {
          verb: "reset.confirm",
          owner: "leo.legal@example.com",
          deviceId: "demo-lumia-950-win10-mobile",
          notifyUser: "true",
        })
      ).body,
    );
    const data = actionsOf(confirm)[0]?.data ?? {};
    const answers = await Promise.all([1, 2, 3].map(() => h.teams.submitAction("29:ada", where, data)));
    for (const a of answers) expect(a.status).toBe(200);
    const again = await h.teams.submitAction("29:ada", where, data);
    expect(again.body).toMatchObject({ task: { type: "message" } });
    const requests = await h.running.core.engine.stores.requests.list({
      limit: 10,
      deviceId: "demo-lumia-950-win10-mobile",
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.notifyUser).toBe(true);
  });

  it("a device the rules refuse: the dialog says why, it cannot be chosen, nothing is pushed", async () => {
    const form = cardOf((await h.teams.fetchTask("29:ada", where, { messageAuthorAad: "aad-omar" })).body);
    expect(cardText(form)).toContain("Moto G5");
    expect(cardText(form)).toMatch(/Android 7/);
    expect(choicesOf(form)).not.toContain("demo-moto-g5-android7-admin-passcode");
    // Forcing it anyway (a stale or hand-made submit) only shows the reason again.
    const forced = cardOf(
      (
        await h.teams.submitAction("29:ada", where, {
          verb: "reset.confirm",
          owner: "omar.ops@example.com",
          deviceId: "demo-moto-g5-android7-admin-passcode",
        })
      ).body,
    );
    expect(cardText(forced)).not.toContain("Confirm reset");
    expect(cardText(forced)).toContain("Moto G5");
    const requests = await h.running.core.engine.stores.requests.list({
      limit: 10,
      deviceId: "demo-moto-g5-android7-admin-passcode",
    });
    expect(requests).toEqual([]);
  });

  it("someone who is not an admin is told so, before the message's author is looked up", async () => {
    const before = h.fake.calls.length;
    const form = cardOf((await h.teams.fetchTask("29:erin", where, { messageAuthorAad: "aad-felix" })).body);
    expect(cardText(form)).toMatch(/not allowed|admin/i);
    expect(choicesOf(form)).toEqual([]);
    const lookups = h.fake.calls.slice(before).filter((c) => c.method === "GET");
    expect(lookups.some((c) => c.path.endsWith("/members/aad-felix"))).toBe(false);
  });

  it("an employee never sees a confirmation for a device, even by submitting the step directly; refusals are audited", async () => {
    for (const [owner, deviceId] of [
      ["felix.field@example.com", "demo-pixel-xl-android7-owner"],
      ["erin.engineer@example.com", "demo-galaxy-s22-work-profile"],
    ]) {
      const res = await h.teams.submitAction("29:erin", where, { verb: "reset.confirm", owner, deviceId });
      expect(cardText(res.body)).not.toContain("Confirm reset");
      expect(cardText(res.body)).not.toContain("reset.start");
    }
    const refused = (await h.running.core.engine.stores.audit.list({})).filter(
      (a) =>
        a.actor === "erin.engineer@example.com" && a.action === "authorize.reset" && a.outcome === "refused",
    );
    expect(refused.map((a) => a.deviceId)).toEqual(
      expect.arrayContaining(["demo-pixel-xl-android7-owner", "demo-galaxy-s22-work-profile"]),
    );
  });

  it("a start must match its confirmation: another device, owner or recipient is refused and starts nothing", async () => {
    const confirm = cardOf(
      (
        await h.teams.submitAction("29:ada", where, {
          verb: "reset.confirm",
          owner: "omar.ops@example.com",
          deviceId: "demo-lumia-930-wp81",
          notifyUser: "false",
        })
      ).body,
    );
    const data = actionsOf(confirm)[0]?.data ?? {};
    expect(data.seal).toBeTruthy();
    for (const forged of [
      { ...data, notifyUser: "true" },
      { ...data, deviceId: "demo-pixel-7a-stale-40-days" },
      { ...data, owner: "felix.field@example.com", deviceId: "demo-galaxy-s7-android6-admin" },
      { ...data, seal: undefined },
    ]) {
      const res = await h.teams.submitAction("29:ada", where, forged);
      expect(cardText(res.body)).toContain("not valid");
    }
    const started = await h.running.core.engine.stores.requests.list({ limit: 20 });
    expect(started.map((r) => r.deviceId)).not.toEqual(
      expect.arrayContaining(["demo-lumia-930-wp81", "demo-pixel-7a-stale-40-days"]),
    );
  });
});

describe("Teams: a slow start still gets a fast answer", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({}, { teams: { answerWithinMs: 300 } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("the submit is answered before Teams would retry it, and the reset goes on: its card follows", async () => {
    const engine = h.running.core.engine;
    const push = engine.push;
    let release: () => void = () => undefined;
    const held = new Promise<void>((ok) => {
      release = ok;
    });
    // The push service hangs: the start waits for it.
    engine.push = { send: async (device, message) => held.then(() => push.send(device, message)) };
    const confirm = cardOf(
      (
        await h.teams.submitAction("29:ada", where, {
          verb: "reset.confirm",
          owner: "felix.field@example.com",
          deviceId: "demo-galaxy-s7-android6-admin",
          notifyUser: "false",
        })
      ).body,
    );
    const t0 = Date.now();
    const done = await h.teams.submitAction("29:ada", where, actionsOf(confirm)[0]?.data ?? {});
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(done.body).toEqual({ task: { type: "message", value: expect.stringContaining("under way") } });
    const [request] = await engine.stores.requests.list({
      limit: 1,
      deviceId: "demo-galaxy-s7-android6-admin",
    });
    expect(request).toBeDefined();
    release();
    const root = await h.fake.waitForMessage(CHANNEL, (m) => cardText(m.activity).includes("Passcode reset"));
    await expect
      .poll(() => cardText(h.fake.messages(CHANNEL).find((m) => m.id === root.id)?.activity), {
        timeout: 10_000,
      })
      .toContain("Completed");
  });
});
