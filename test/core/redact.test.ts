// A passcode sent by chat DM does not stay readable there: once the retention time has passed the
// message is edited so it no longer shows it, and the timeline and audit log say so. Emails are
// never touched, and a chat DM only goes out on the surface the request came from. Each database.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/core/engine.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { redactDue } from "../../src/core/reset/redact.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import type { Surface } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, RecordingSender, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(targets)("redacting chat DMs on $name", (target) => {
  let slack: RecordingSender;
  const t = useTestEngine(target, {
    settings: { chatRedactAfterMs: HOUR },
    seed: async ({ engine }) => {
      slack = new RecordingSender("slack_dm", "slack");
      engine.senders.push(slack);
      await engine.stores.directory.upsertInventory(people, [deviceInput()]);
    },
  });

  /** A reset by Ada from `surface`, driven by the device through to "completed". */
  async function completedReset(surface: Surface, notifyUser = false): Promise<string> {
    const engine: Engine = t().engine;
    const r = await startReset(engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser,
      surface,
    });
    if (r.status !== "started") throw new Error(`expected started, got ${r.status}`);
    const device = await engine.stores.directory.device("dev-001");
    if (!device) throw new Error("device missing");
    await fetchPendingCommand(engine, device);
    for (const step of ["passcode_reset", "locked"] as const) {
      await reportDeviceStep(engine, device, r.request.id, { step });
    }
    expect((await engine.stores.requests.get(r.request.id))?.state).toBe("completed");
    return r.request.id;
  }

  const types = async (id: string) => (await t().engine.stores.requests.events(id)).map((e) => e.type);
  const redactAudits = async () =>
    (await t().engine.stores.audit.list({})).filter((a) => a.action === "passcode.redact");

  it("edits each Slack DM once the retention time has passed, and only once", async () => {
    const { engine, clock } = t();
    const sentAt = clock.now();
    const id = await completedReset("slack", true);
    expect(slack.letters.map((l) => l.recipient.email).sort()).toEqual([
      "ada@example.com",
      "alice@example.com",
    ]);
    const dms = (await engine.stores.deliveries.forRequest(id)).filter((d) => d.channel === "slack_dm");
    expect(dms.map((d) => d.externalRef).sort()).toEqual(["msg-1", "msg-2"]);
    for (const d of dms) expect(d.redactAt).toEqual(new Date(sentAt.getTime() + HOUR));

    // Before the hour is up the passcode stays readable.
    expect(await redactDue(engine)).toBe(0);
    clock.advance(HOUR - 1);
    expect(await redactDue(engine)).toBe(0);
    expect(slack.redactions).toEqual([]);

    clock.advance(1);
    expect(await redactDue(engine)).toBe(2);
    expect(slack.redactions.sort((a, b) => a.ref.localeCompare(b.ref))).toEqual([
      { ref: "msg-1", sentAt },
      { ref: "msg-2", sentAt },
    ]);
    const events = await engine.stores.requests.events(id);
    const redacted = events.filter((e) => e.type === "redacted");
    expect(redacted.map((e) => e.detail).sort()).toEqual([
      "The passcode was removed from the Slack direct message to ada@example.com (sent 27 Nov 2026 10:00 UTC).",
      "The passcode was removed from the Slack direct message to alice@example.com (sent 27 Nov 2026 10:00 UTC).",
    ]);
    expect(await redactAudits()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: "latchkey",
          surface: "system",
          outcome: "ok",
          requestId: id,
          deviceId: "dev-001",
          detail: "slack_dm to ada@example.com",
        }),
        expect.objectContaining({ outcome: "ok", detail: "slack_dm to alice@example.com" }),
      ]),
    );
    expect(await redactAudits()).toHaveLength(2);
    const after = (await engine.stores.deliveries.forRequest(id)).filter((d) => d.channel === "slack_dm");
    for (const d of after) expect(d.redactedAt).toEqual(clock.now());

    // Idempotent: nothing more to do, now or later.
    expect(await redactDue(engine)).toBe(0);
    clock.advance(2 * DAY);
    expect(await redactDue(engine)).toBe(0);
    expect(slack.redactions).toHaveLength(2);
    expect((await types(id)).filter((x) => x === "redacted")).toHaveLength(2);
    expect(await redactAudits()).toHaveLength(2);
  });

  it("retries a failed edit a few minutes later", async () => {
    const { engine, clock } = t();
    const id = await completedReset("slack");
    slack.redactFailures.push(new Error("ratelimited"));
    clock.advance(HOUR);
    await redactDue(engine);
    expect(slack.redactions).toEqual([]);
    expect(await types(id)).not.toContain("redacted");
    expect(await types(id)).not.toContain("redaction_failed");
    expect(await redactAudits()).toEqual([]);
    expect(t().logs.join("")).toContain("redaction failed");

    expect(await redactDue(engine)).toBe(0); // not again straight away
    clock.advance(5 * 60_000);
    expect(await redactDue(engine)).toBe(1);
    expect(slack.redactions).toEqual([{ ref: "msg-1", sentAt: expect.any(Date) }]);
    expect((await types(id)).filter((x) => x === "redacted")).toHaveLength(1);
    expect(await redactAudits()).toEqual([expect.objectContaining({ outcome: "ok" })]);
  });

  it("gives up after a day of failed edits and says the message must be deleted by hand", async () => {
    const { engine, clock } = t();
    const sentAt = clock.now();
    const id = await completedReset("slack");
    slack.redactFailures.push(...Array.from({ length: 10 }, () => new Error("channel_not_found")));

    clock.advance(HOUR);
    await redactDue(engine);
    clock.advance(5 * 60_000);
    await redactDue(engine);
    // Just short of a day of attempts: still retrying, nothing reported yet.
    clock.current = new Date(sentAt.getTime() + HOUR + DAY - 60_000);
    await redactDue(engine);
    expect(await types(id)).not.toContain("redaction_failed");
    expect(await redactAudits()).toEqual([]);

    clock.advance(5 * 60_000);
    expect(await redactDue(engine)).toBe(1);
    const failed = (await engine.stores.requests.events(id)).filter((e) => e.type === "redaction_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toContain("Slack direct message to ada@example.com");
    expect(failed[0]?.detail).toContain("channel_not_found");
    expect(failed[0]?.detail).toContain("Delete that message by hand.");
    expect(await redactAudits()).toEqual([
      expect.objectContaining({
        outcome: "failed",
        requestId: id,
        detail: "slack_dm to ada@example.com: channel_not_found",
      }),
    ]);
    expect(slack.redactions).toEqual([]);

    // Given up for good: no more attempts, no more reports.
    const attemptsLeft = slack.redactFailures.length;
    clock.advance(DAY);
    expect(await redactDue(engine)).toBe(0);
    expect(slack.redactFailures).toHaveLength(attemptsLeft);
    expect((await types(id)).filter((x) => x === "redaction_failed")).toHaveLength(1);
  });

  it("does not record a message it gave up on as redacted", async () => {
    const { engine, clock } = t();
    const sentAt = clock.now();
    const id = await completedReset("slack");
    slack.redactFailures.push(...Array.from({ length: 5 }, () => new Error("channel_not_found")));
    clock.advance(HOUR);
    await redactDue(engine);
    clock.current = new Date(sentAt.getTime() + HOUR + DAY);
    await redactDue(engine);
    expect(await types(id)).toContain("redaction_failed");
    // Whoever reads the delivery (the Slack details view says "removed from chat since" when
    // redactedAt is set) must not be told the passcode is gone: it is still in that DM.
    const dm = (await engine.stores.deliveries.forRequest(id)).find((d) => d.channel === "slack_dm");
    expect(dm?.redactAt).toBeNull();
    expect(dm?.redactedAt).toBeNull();
  });

  it("never touches an email", async () => {
    const { engine, clock, sender } = t();
    const id = await completedReset("cli", true);
    expect(sender.letters).toHaveLength(2);
    const deliveries = await engine.stores.deliveries.forRequest(id);
    expect(deliveries.map((d) => d.channel)).toEqual(["email", "email"]);
    for (const d of deliveries)
      expect(d).toMatchObject({ status: "sent", externalRef: null, redactAt: null });
    clock.advance(3 * DAY);
    expect(await redactDue(engine)).toBe(0);
    expect(sender.redactions).toEqual([]);
    expect(await types(id)).not.toContain("redacted");
    expect(await redactAudits()).toEqual([]);
  });

  it.each(["cli", "teams"] as const)(
    "sends no Slack DM for a request made from %s; the email still goes",
    async (surface) => {
      const { engine, sender } = t();
      const id = await completedReset(surface);
      expect(slack.letters).toEqual([]);
      expect(sender.letters.map((l) => l.recipient.email)).toEqual(["ada@example.com"]);
      const deliveries = await engine.stores.deliveries.forRequest(id);
      expect(deliveries.map((d) => [d.channel, d.status])).toEqual([["email", "sent"]]);
      expect((await engine.stores.requests.get(id))?.outcome).toBe(
        "Passcode reset and device locked; passcode sent to ada@example.com (email).",
      );
    },
  );
});
