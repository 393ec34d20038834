// A reset of an Intune-managed phone from chat, end to end (issue 17): Latchkey on its embedded
// defaults with INTUNE_* pointing at the local HTTPS Graph stand-in (its CA trusted in-process
// through StartOptions.intuneCa), the real Bolt receiver and botbuilder adapter given signed
// requests and activities, the fake Slack Web API and Bot Connector. The devices come in through the
// Intune sync; after the start, the scheduler alone drives Intune's steps (the test only waits on
// conditions, with a deadline: see FOLLOW_MS). The passcode is the one Intune reported, and it goes
// only to the admin's DM / 1:1 chat and email: no channel, group chat, thread, edit or log line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeSlackView } from "../fakes/fake-slack-api.ts";
import { type FakeGraph, startFakeGraph } from "../support/fake-graph.ts";
import {
  distinctivePasscode,
  FOLLOW_MS,
  fullyManagedPhone,
  INTUNE_WORDS,
  NO_CANCEL,
  startIntuneSlackHarness,
  startIntuneTeamsHarness,
  syncIntune,
  until,
  WINDOWS_REFUSAL,
  windowsLaptop,
} from "../support/intune-fixtures.ts";
import {
  chooseDevice,
  completedThread,
  isStatusOf,
  openResetForm,
  passcodeIn,
  requestFor,
  type SlackHarness,
  submitConfirmation,
  waitForPasscodeDm,
  waitForStatus,
} from "../support/slack-harness.ts";
import { cardOf, cardText, GROUP_CHAT, type TeamsHarness } from "../support/teams-harness.ts";

const ERIN = { email: "erin.engineer@example.com", name: "Erin Engineer" };
const ADMIN = "ada.admin@example.com";
const CHANNEL = "C0ITOPS";
/** What the agent's confirmation says, untrue of Intune (Intune chooses the passcode; Latchkey sends none). */
const AGENT_PASSCODE_CLAIM = "A new random passcode that meets the device's policy is sent to the device";
const TEST_MS = FOLLOW_MS + 30_000;

const text = (v: unknown) => JSON.stringify(v);

/** The commands Intune was sent for one device, in order. */
const actionsOn = (graph: FakeGraph, id: string) =>
  graph.actions.filter((a) => a.deviceId === id).map((a) => a.action);

/** The mails of the outbox: those to the admin hold the passcode; every other one must not. */
async function checkMail(h: SlackHarness | TeamsHarness, passcode: string): Promise<void> {
  const mails = await until("the passcode email to the admin", async () => {
    const all = await h.outbox();
    return all.some((m) => m.to.includes(ADMIN)) ? all : null;
  });
  for (const m of mails) {
    if (m.to.includes(ADMIN)) expect(m.text).toContain(passcode);
    else expect(text(m)).not.toContain(passcode);
  }
}

describe("Slack: /reset-passcode of an Intune-managed phone", () => {
  const PHONE = "intune-erin-pixel";
  const LAPTOP = "intune-erin-surface";
  const passcode = distinctivePasscode();
  let graph: FakeGraph;
  let h: SlackHarness;

  beforeAll(async () => {
    graph = await startFakeGraph();
    graph.addDevices([fullyManagedPhone(PHONE, ERIN, "Erin's Pixel 8"), windowsLaptop(LAPTOP, ERIN)]);
    // Intune reports each command done at its first read after it was sent.
    graph.scriptAction(PHONE, "resetPasscode", [{ actionState: "done", passcode }]);
    graph.scriptAction(PHONE, "remoteLock", ["done"]);
    h = await startIntuneSlackHarness(graph);
    await syncIntune(h);
  });
  afterAll(async () => {
    await h?.stop();
    await graph?.close();
  });

  it("a Windows laptop of the same user is refused in the modal with Intune's reason; nothing reaches Intune", async () => {
    const { form, viewId } = await openResetForm(h, { text: "<@UERIN|erin>", channel: CHANNEL });
    expect(form.callback_id).toBe("reset_form");
    const blocks = form.blocks as { block_id?: string }[];
    const options = text(blocks.find((b) => b.block_id === "device_block"));
    expect(options).toContain(PHONE);
    expect(options).not.toContain(LAPTOP);
    const refusedAt = text(form).indexOf("Cannot be reset");
    expect(refusedAt).toBeGreaterThan(0);
    const refused = text(form).slice(refusedAt);
    expect(refused).toContain(`Surface (${LAPTOP})`);
    expect(refused).toContain(WINDOWS_REFUSAL);

    // A hand-made submission naming the laptop anyway starts nothing.
    const forced = await h.slack.viewSubmission({
      userId: "UADA",
      view: {
        id: viewId,
        state: {
          values: {
            device_block: { device: { type: "radio_buttons", selected_option: { value: LAPTOP } } },
          },
        },
      },
    });
    expect(forced.status).toBe(200);
    expect(text(forced.json())).not.toContain("reset_confirm");
    expect(await h.running.core.engine.stores.requests.list({ limit: 5, deviceId: LAPTOP })).toEqual([]);
    expect(actionsOn(graph, LAPTOP)).toEqual([]);
    expect(graph.requests.filter((r) => r.method === "POST" && r.path.includes(LAPTOP))).toEqual([]);
  });

  it(
    "resets the phone through Intune to Completed; no Cancel once Intune accepted; the passcode only in the DM",
    async () => {
      const { form, viewId } = await openResetForm(h, { text: "<@UERIN|erin>", channel: CHANNEL });
      // The phone is offered, with what Intune allows and warns about.
      expect(text(form)).toContain("Erin's Pixel 8");
      const warning = (form.blocks as { type: string }[]).find(
        (b) => b.type === "context" && text(b).includes("Erin's Pixel 8"),
      );
      expect(text(warning)).toContain("Work profile only");
      expect(text(warning)).not.toContain("passcode policy");

      const confirmation: FakeSlackView = await chooseDevice(h, {
        viewId,
        deviceId: PHONE,
        notifyUser: false,
      });
      expect(confirmation.callback_id).toBe("reset_confirm");
      expect(text(confirmation)).toContain(`id \`${PHONE}\``);
      // Intune chooses the passcode: the confirmation must not promise one of Latchkey's (see the report).
      expect.soft(text(confirmation)).not.toContain(AGENT_PASSCODE_CLAIM);
      expect.soft(text(confirmation)).toMatch(/Intune (chooses|generates)/);

      await submitConfirmation(h, confirmation, "VCONFIRM1");
      const request = await requestFor(h, PHONE);
      const status = await waitForStatus(h, CHANNEL, request.id);
      const since = Date.now();

      // Intune accepted the reset: no Cancel button, the "cannot cancel" line, and a cancel is refused.
      await until("the thread to say Intune accepted the reset", () =>
        h.fake
          .messages(CHANNEL)
          .some((m) => m.thread_ts === status.ts && m.text.includes(INTUNE_WORDS.accepted)),
      );
      const current = () => h.fake.messages(CHANNEL).find((m) => m.ts === status.ts);
      await until("the status message to show the cannot-cancel line", () =>
        text(current()).includes(NO_CANCEL),
      );
      expect(text(current()?.blocks)).not.toContain("cancel_request");
      const responseId = "cancel-after-accept";
      await h.slack.command({
        userId: "UADA",
        text: `cancel ${request.id}`,
        channelId: CHANNEL,
        responseUrl: h.fake.responseUrl(responseId),
      });
      const answer = text((await h.fake.waitForResponse((r) => r.id === responseId)).body);
      expect(answer).toContain("Intune cannot cancel a command it has accepted");
      expect((await h.running.core.engine.stores.requests.get(request.id))?.state).not.toBe("cancelled");

      // The scheduler follows Intune to the end.
      await completedThread(h, CHANNEL, request.id, FOLLOW_MS);
      console.info(`Slack: Intune reset followed to Completed in ${Date.now() - since} ms`);
      const replies = h.fake
        .messages(CHANNEL)
        .filter((m) => m.thread_ts === status.ts)
        .map((m) => m.text)
        .join("\n");
      for (const words of Object.values(INTUNE_WORDS)) expect(replies).toContain(words);
      expect(replies).toContain("*Completed*");
      expect(actionsOn(graph, PHONE)).toEqual(["resetPasscode", "remoteLock"]);

      // Every version the status message ever had: never a Cancel button; the line while it ran.
      const versions = h.fake.calls
        .filter((c) => c.method === "chat.postMessage" || c.method === "chat.update")
        .filter((c) => c.args.channel === CHANNEL && !c.args.thread_ts)
        .map((c) => ({ text: String(c.args.text), blocks: (c.args.blocks ?? []) as unknown[] }))
        .filter((m) => isStatusOf({ ...m, ts: "", channel: CHANNEL, edits: [] }, request.id));
      expect(versions.length).toBeGreaterThan(1);
      for (const v of versions) expect(text(v.blocks)).not.toContain("cancel_request");
      // While sending ("checked"): Latchkey is sending it to Intune, which cannot cancel it; then NO_CANCEL.
      for (const v of versions.filter((x) => !x.text.endsWith("Completed"))) {
        expect(text(v.blocks)).toContain("cannot cancel a command");
      }

      // The passcode Intune reported: in Ada's DM, exactly; and by email to her.
      const dm = await waitForPasscodeDm(h, "DUADA");
      expect(graph.passcodes.get(PHONE)).toBe(passcode);
      expect(passcodeIn(dm)).toBe(graph.passcodes.get(PHONE));
      await checkMail(h, passcode);

      // Nowhere else: no channel message or thread reply (nor any edit), ephemeral, response, view or log line.
      const outsideDms = h.fake.allMessages().filter((m) => !m.channel.startsWith("D"));
      expect(outsideDms.length).toBeGreaterThan(3);
      for (const m of outsideDms) expect(text(m)).not.toContain(passcode);
      expect(text(h.fake.calls.filter((c) => !String(c.args.channel ?? "").startsWith("D")))).not.toContain(
        passcode,
      );
      expect(text(h.fake.ephemerals())).not.toContain(passcode);
      expect(text(h.fake.responses)).not.toContain(passcode);
      expect(text([...h.fake.views.values()])).not.toContain(passcode);
      expect(h.logs.join("")).not.toContain(passcode);
      expect(actionsOn(graph, LAPTOP)).toEqual([]);
    },
    TEST_MS,
  );
});

type Action = { type: string; title?: string; verb?: string; data?: Record<string, unknown> };
const actionsOf = (card: Record<string, unknown>) => (card.actions ?? []) as Action[];
function choicesOf(card: Record<string, unknown>): string[] {
  const set = ((card.body ?? []) as Record<string, unknown>[]).find((b) => b.type === "Input.ChoiceSet");
  return ((set?.choices ?? []) as { value: string }[]).map((c) => c.value);
}

describe("Teams: the Reset passcode message extension on an Intune-managed phone, in a group chat", () => {
  const PHONE = "intune-erin-pixel-teams";
  const passcode = distinctivePasscode();
  const group = { kind: "groupChat" } as const;
  let graph: FakeGraph;
  let h: TeamsHarness;

  beforeAll(async () => {
    graph = await startFakeGraph();
    graph.addDevices([fullyManagedPhone(PHONE, ERIN, "Erin's work Pixel")]);
    graph.scriptAction(PHONE, "resetPasscode", [{ actionState: "done", passcode }]);
    graph.scriptAction(PHONE, "remoteLock", ["done"]);
    h = await startIntuneTeamsHarness(graph);
    await syncIntune(h);
  });
  afterAll(async () => {
    await h?.stop();
    await graph?.close();
  });

  it(
    "fetchTask -> submitAction to Completed; the status card has no cancel once Intune accepted; the passcode only in the 1:1",
    async () => {
      const fetched = await h.teams.fetchTask("29:ada", group, { messageAuthorAad: "aad-erin" });
      expect(fetched.status).toBe(200);
      const form = cardOf(fetched.body);
      expect(choicesOf(form)).toContain(PHONE);
      expect(cardText(form)).toContain("Erin's work Pixel");
      expect(cardText(form)).not.toContain("passcode policy applies");

      const next = await h.teams.submitAction("29:ada", group, {
        ...(actionsOf(form)[0]?.data ?? {}),
        deviceId: PHONE,
        notifyUser: "false",
      });
      const confirm = cardOf(next.body);
      expect(cardText(confirm)).toContain("Confirm reset");
      expect(cardText(confirm)).toContain(PHONE);
      expect.soft(cardText(confirm)).not.toContain(AGENT_PASSCODE_CLAIM);
      expect.soft(cardText(confirm)).toMatch(/Intune (chooses|generates)/);
      const start = actionsOf(confirm)[0];
      expect(start?.data?.verb).toBe("reset.start");
      const done = await h.teams.submitAction("29:ada", group, start?.data ?? {});
      expect(done.body).toMatchObject({ task: { type: "message" } });
      const since = Date.now();

      const request = await until("the request", async () => {
        const [r] = await h.running.core.engine.stores.requests.list({ limit: 1, deviceId: PHONE });
        return r;
      });
      const isStatus = (activity: unknown) =>
        cardText(activity).includes(request.id) &&
        cardText(activity).includes("Passcode reset: Erin's work Pixel");
      const root = await until("the status card in the group chat", () =>
        h.fake.messages(GROUP_CHAT).find((m) => isStatus(m.activity)),
      );
      const card = () => cardText(h.fake.messages(GROUP_CHAT).find((m) => m.id === root.id)?.activity);
      await until("the group chat to say Intune accepted the reset", () =>
        h.fake.messages(GROUP_CHAT).some((m) => String(m.activity.text).includes(INTUNE_WORDS.accepted)),
      );
      await until("the status card to show the cannot-cancel text", () => card().includes(NO_CANCEL));
      expect(card()).not.toContain("request.cancel");

      // The scheduler follows Intune to the end; the card is updated in place to Completed.
      await until("the group chat to say Completed", () =>
        h.fake.messages(GROUP_CHAT).some((m) => String(m.activity.text).includes("Completed")),
      );
      await until("the status card to show Completed", () => card().includes("✅ Completed"));
      console.info(`Teams: Intune reset followed to Completed in ${Date.now() - since} ms`);
      const lines = h.fake
        .messages(GROUP_CHAT)
        .map((m) => String(m.activity.text ?? ""))
        .join("\n");
      for (const words of Object.values(INTUNE_WORDS)) expect(lines).toContain(words);
      expect(actionsOn(graph, PHONE)).toEqual(["resetPasscode", "remoteLock"]);

      // Every version of the status card Latchkey sent (the post and each update in place).
      const versions = h.fake.calls
        .filter((c) => c.conversationId === GROUP_CHAT && (c.method === "POST" || c.method === "PUT"))
        .map((c) => c.body)
        .filter(isStatus);
      expect(versions.length).toBeGreaterThan(1);
      for (const v of versions) expect(cardText(v)).not.toContain("request.cancel");
      for (const v of versions.filter((x) => !cardText(x).includes("✅ Completed"))) {
        expect(cardText(v)).toContain("cannot cancel a command");
      }

      // The passcode Intune reported: in Ada's 1:1 chat card, exactly; and by email to her.
      const oneOnOne = h.fake.personalConversationOf("29:ada");
      const dm = await until("the passcode card in Ada's 1:1 chat", () =>
        h.fake.messages(oneOnOne).find((m) => cardText(m.activity).includes("New passcode:")),
      );
      expect(/New passcode: (\d+)/.exec(cardText(dm.activity))?.[1]).toBe(graph.passcodes.get(PHONE));
      expect(graph.passcodes.get(PHONE)).toBe(passcode);
      expect(String(dm.activity.summary)).not.toContain(passcode);
      await checkMail(h, passcode);

      // Not in the group chat (no message, update or call there), nor in an invoke answer or a log line.
      const outside = h.fake.allMessages().filter((m) => !m.conversationId.startsWith("a:"));
      expect(outside.length).toBeGreaterThan(3);
      for (const m of outside) {
        expect(cardText(m.activity)).not.toContain(passcode);
        for (const e of m.edits) expect(cardText(e)).not.toContain(passcode);
      }
      expect(cardText(h.fake.calls.filter((c) => c.conversationId === GROUP_CHAT))).not.toContain(passcode);
      expect(cardText([fetched.body, next.body, done.body])).not.toContain(passcode);
      expect(h.logs.join("")).not.toContain(passcode);
    },
    TEST_MS,
  );
});
