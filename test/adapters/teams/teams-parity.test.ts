// What a Slack user can do, a Teams user can do: "My devices" in the personal chat (also shown on
// install) with "Report lost" per device, the status card's "Details" dialog with the whole
// timeline (authorized and audited, never the passcode), every device of someone with many still
// choosable, and a lost-device report that stays the reporter's own: someone else's device is
// refused and audited, and a confirmation cannot be replayed for another device.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHANNEL,
  cardOf,
  cardText,
  startTeamsHarness,
  type TeamsHarness,
} from "../../support/teams-harness.ts";
import { deviceInput } from "../../support/test-engine.ts";

const personal = { kind: "personal" } as const;
const channel = { kind: "channel" } as const;
type Action = { type: string; title?: string; verb?: string; data?: Record<string, unknown> };
const actionsOf = (card: Record<string, unknown>) => (card.actions ?? []) as Action[];
/** Every action in a card, including those of ActionSets in its body. */
const allActions = (card: unknown): Action[] => {
  const found: Action[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) for (const y of x) walk(y);
    else if (x && typeof x === "object") {
      const o = x as Record<string, unknown>;
      if (typeof o.type === "string" && o.type.startsWith("Action.")) found.push(o as Action);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(card);
  return found;
};

describe("Teams: parity with Slack", () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });
  const audit = () => h.running.core.engine.stores.audit.list({});

  async function ask(userId: string, text: string) {
    const conv = h.teams.conversationId(userId, personal);
    const before = h.fake.messages(conv).length;
    await h.teams.message(userId, text);
    await expect.poll(() => h.fake.messages(conv).length).toBeGreaterThan(before);
    return cardOf(h.fake.messages(conv).at(-1)?.activity);
  }

  it("installing the app greets the user with help and their devices", async () => {
    const res = await h.teams.post({
      ...h.teams.base("29:omar", personal),
      type: "installationUpdate",
      action: "add",
    });
    expect(res.status).toBe(200);
    const conv = h.teams.conversationId("29:omar", personal);
    const welcome = await h.fake.waitForMessage(conv, () => true);
    const text = cardText(welcome.activity);
    expect(text).toContain("Welcome to Latchkey");
    expect(text).toContain("My devices");
    expect(text).toContain("Moto G5");
  });

  it("'my devices' lists the user's devices with their state; Report lost leads to the confirmation", async () => {
    const card = await ask("29:felix", "my devices");
    const text = cardText(card);
    expect(text).toContain("Galaxy S7");
    expect(text).toContain("Pixel XL");
    expect(text).toContain("Lumia 920");
    expect(text).not.toContain("Moto G5");
    const reports = allActions(card).filter((a) => a.title === "Report lost");
    expect(reports.length).toBeGreaterThan(0);
    const galaxy = reports.find((a) => a.data?.deviceId === "demo-galaxy-s7-android6-admin");
    expect(galaxy?.type).toBe("Action.Execute");
    const confirm = await h.teams.cardAction("29:felix", personal, galaxy?.verb ?? "", galaxy?.data ?? {});
    expect(cardText(cardOf(confirm.body))).toContain("Report **Felix's Galaxy S7");
    // A device that cannot be locked from here has no button, and says why.
    expect(reports.some((a) => a.data?.deviceId === "demo-lumia-920-wp80")).toBe(false);
  });

  it("someone else's device cannot be reported: refused and audited", async () => {
    const other = await h.teams.cardAction("29:felix", personal, "lost.confirm", {
      deviceId: "demo-moto-g5-android7-admin-passcode",
    });
    expect(cardText(cardOf(other.body))).toContain("only report your own devices");
    const refused = (await audit()).filter(
      (a) =>
        a.action === "authorize.report_lost" &&
        a.actor === "felix.field@example.com" &&
        a.deviceId === "demo-moto-g5-android7-admin-passcode",
    );
    expect(refused.map((a) => a.outcome)).toEqual(["refused"]);
  });

  it("a confirmation is bound to its device: replayed for another device, it starts nothing", async () => {
    const confirm = cardOf(
      (
        await h.teams.cardAction("29:felix", personal, "lost.confirm", {
          deviceId: "demo-pixel-xl-android7-owner",
        })
      ).body,
    );
    const data = actionsOf(confirm)[0]?.data ?? {};
    expect(data.seal).toBeTruthy();
    for (const forged of [
      { ...data, deviceId: "demo-galaxy-s7-android6-admin" },
      { ...data, seal: "" },
      { deviceId: data.deviceId, nonce: data.nonce },
    ]) {
      const res = await h.teams.cardAction("29:felix", personal, "lost.start", forged);
      expect(cardText(cardOf(res.body))).toContain("no longer valid");
    }
    expect(await h.running.core.engine.stores.requests.list({ limit: 5 })).toEqual([]);
  });

  it("Details opens a dialog with the whole timeline and deliveries, never the passcode; only for who may see it", async () => {
    await h.teams.fetchTask("29:ada", channel, { commandContext: "compose" });
    const confirm = cardOf(
      (
        await h.teams.submitAction("29:ada", channel, {
          verb: "reset.confirm",
          owner: "leo.legal@example.com",
          deviceId: "demo-lumia-950-win10-mobile",
          notifyUser: "false",
        })
      ).body,
    );
    await h.teams.submitAction("29:ada", channel, actionsOf(confirm)[0]?.data ?? {});
    const root = await h.fake.waitForMessage(CHANNEL, (m) => cardText(m.activity).includes("Passcode reset"));
    await expect
      .poll(() => cardText(h.fake.messages(CHANNEL).find((m) => m.id === root.id)?.activity), {
        timeout: 10_000,
      })
      .toContain("Completed");
    const dm = await h.fake.waitForMessage(h.teams.conversationId("29:ada", personal), (m) =>
      cardText(m.activity).includes("New passcode"),
    );
    const passcode = /New passcode: (\d+)/.exec(cardText(dm.activity))?.[1] ?? "";
    expect(passcode).not.toBe("");

    const details = actionsOf(cardOf(root.activity)).find((a) => a.title === "Details");
    expect(details?.type).toBe("Action.Submit");
    expect(details?.data?.msteams).toEqual({ type: "task/fetch" });
    const opened = await h.teams.taskFetch("29:ada", channel, details?.data ?? {});
    const dialog = opened.body as { task?: { type?: string; value?: { card?: { content?: unknown } } } };
    expect(dialog.task?.type).toBe("continue");
    const text = cardText(dialog.task?.value?.card?.content);
    for (const step of [
      "Requested",
      "Checked",
      "Sent to the device",
      "Locked",
      "Completed",
      "Passcode delivered",
    ]) {
      expect(text).toContain(step);
    }
    expect(text).toContain("ada.admin@example.com by chat");
    expect(text).toContain("ada.admin@example.com by email");
    expect(text).not.toContain(passcode);

    const forErin = cardText(await h.teams.taskFetch("29:erin", channel, details?.data ?? {}));
    expect(forErin).toContain("⛔");
    expect(forErin).not.toContain("Sent to the device");
    const requestId = String(details?.data?.requestId);
    const looks = (await audit()).filter((a) => a.action === "authorize.view" && a.requestId === requestId);
    expect(looks.map((a) => [a.actor, a.outcome])).toEqual(
      expect.arrayContaining([
        ["ada.admin@example.com", "allowed"],
        ["erin.engineer@example.com", "refused"],
      ]),
    );
  });

  it("someone with 25 devices: every one can be chosen (a drop-down past 10)", async () => {
    const owner = "many.phones@example.com";
    await h.running.core.engine.stores.directory.upsertInventory(
      [{ email: owner, name: "Many Phones" }],
      Array.from({ length: 25 }, (_, i) =>
        deviceInput({
          id: `many-${i + 1}`,
          ownerEmail: owner,
          name: `Phone ${i + 1}`,
          managementMode: "device_admin",
          osVersion: "6.0",
          lastSeenAt: new Date(),
        }),
      ),
    );
    const form = await ask("29:ada", `reset passcode ${owner}`);
    const set = ((form.body ?? []) as Record<string, unknown>[]).find((b) => b.type === "Input.ChoiceSet");
    expect(set?.style).toBe("compact");
    const values = ((set?.choices ?? []) as { value: string }[]).map((c) => c.value);
    expect(values).toHaveLength(25);
    expect(values).toContain("many-25");
  });
});
