// Promise 3 of issue 5, Teams, where test/adapters/teams/teams-resilience.test.ts stops: Bot
// Connector faults on the passcode 1:1 itself (the resilience tests cover the channel's status
// card). Creating the 1:1 answers 504, posting into it 429 with Retry-After, editing the
// passcode in 502 then 412. The 1:1 must end with exactly one message for the device, holding
// the same passcode as the one email; the request completes once; nothing is left unhandled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardOf, cardText, startTeamsHarness, type TeamsHarness } from "../support/teams-harness.ts";
import { leaks, sequenceProblems } from "./support/fixtures.ts";
import { until } from "./support/processes.ts";
import { writeReport } from "./support/report.ts";
import { type FlakySmtp, startFlakySmtp } from "./support/smtp.ts";

const where = { kind: "channel" } as const;
type Action = { data?: Record<string, unknown> };
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("Teams fails on the passcode 1:1", () => {
  let smtp: FlakySmtp;
  let h: TeamsHarness;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => void rejections.push(reason);
  const faults: Record<string, number> = {};
  let leaked = 0;

  beforeAll(async () => {
    process.on("unhandledRejection", onRejection);
    smtp = await startFlakySmtp("accept");
    h = await startTeamsHarness({ SMTP_URL: smtp.url });
  }, 60_000);

  afterAll(async () => {
    process.off("unhandledRejection", onRejection);
    writeReport("faults-teams", {
      processes: 1,
      resetsDriven: 1,
      processesKilled: 0,
      faultsInjected: faults,
      requestsLost: 0,
      doubleResets: 0,
      passcodesLeaked: leaked,
      unhandledRejections: rejections.length,
    });
    await h?.stop();
    await smtp?.close();
  }, 60_000);

  it("504 creating the 1:1, 429 posting in it, 502 and 412 editing the passcode in: one 1:1 message, one passcode", async () => {
    const dm = h.fake.personalConversationOf("29:ada");
    const inDm = `/v3/conversations/${literal(dm)}/activities`;
    h.fake.fail(/^POST \/v3\/conversations$/, { status: 504 }, 1);
    h.fake.fail(new RegExp(`^POST ${inDm}$`), { status: 429, retryAfterSec: 1 }, 1);
    h.fake.fail(new RegExp(`^PUT ${inDm}/`), { status: 502 }, 1);
    h.fake.fail(new RegExp(`^PUT ${inDm}/`), { status: 412 }, 1);
    Object.assign(faults, { "teams-504": 1, "teams-429": 1, "teams-502": 1, "teams-412": 1 });

    await h.teams.fetchTask("29:ada", where, { commandContext: "compose" });
    const confirm = cardOf(
      (
        await h.teams.submitAction("29:ada", where, {
          verb: "reset.confirm",
          owner: "felix.field@example.com",
          deviceId: "demo-pixel-xl-android7-owner",
          notifyUser: "false",
        })
      ).body,
    );
    const data = ((confirm.actions ?? []) as Action[])[0]?.data ?? {};
    expect((await h.teams.submitAction("29:ada", where, data)).body).toMatchObject({
      task: { type: "message" },
    });

    const { engine } = h.running.core;
    const [request] = await engine.stores.requests.list({
      limit: 1,
      deviceId: "demo-pixel-xl-android7-owner",
    });
    if (!request) throw new Error("no request");
    await until(
      "the request to complete",
      async () => (await engine.stores.requests.get(request.id))?.state === "completed",
      60_000,
      250,
    );
    const mails = smtp.inbox.filter((m) => m.requestId === request.id);
    expect(mails).toHaveLength(1);
    const passcode = mails[0]?.passcode ?? "";
    expect(passcode).not.toBe("");
    const about = h.fake.messages(dm).filter((m) => cardText(m.activity).includes("Pixel XL"));
    expect(about).toHaveLength(1);
    expect(JSON.stringify(about[0]?.activity)).toContain(passcode);
    const events = await engine.stores.requests.events(request.id);
    expect(sequenceProblems(events, "completed")).toEqual([]);
    expect(events.filter((e) => e.type === "delivered")).toHaveLength(2);
    // Every fault was met (none left over for later calls).
    const statuses = h.fake.calls.map((c) => c.status);
    for (const s of [504, 429, 502, 412]) expect(statuses).toContain(s);
    const found = leaks(
      [passcode],
      [
        ...h.logs,
        ...events.map((e) => e.detail),
        ...h.fake
          .allMessages()
          .filter((m) => m.conversationId !== dm)
          .map((m) => JSON.stringify(m.activity)),
      ],
    );
    leaked += found.length;
    expect(found).toEqual([]);
    expect(rejections).toEqual([]);
  }, 90_000);
});
