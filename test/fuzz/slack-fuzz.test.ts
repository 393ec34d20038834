// Random and malformed Slack input, correctly signed, at POST /slack/events of a running embedded
// Latchkey (Bolt's real HTTP receiver, a fake Slack Web API behind it): /reset-passcode with any
// text from anyone, reset and lost-device modal submissions with random values and
// private_metadata, button clicks with random action ids and values, malformed envelopes and
// oversized bodies. The person always gets an answer (an ephemeral, a modal, a DM or a field
// error), Slack always gets a 2xx/4xx, no state changes, refusals of employees are audited, and
// the server keeps answering /healthz.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeSlackCall } from "../fakes/fake-slack-api.ts";
import { type SlackHarness, shownModal, useSlackHarness } from "../support/slack-harness.ts";
import { type StateValues, signSlack } from "../support/slack-requests.ts";
import {
  auditMark,
  auditSince,
  expectHealthy,
  expectUnchanged,
  inputTally,
  rawRequest,
  runs,
  type Snapshot,
  seedOption,
  snapshot,
  timeoutFor,
} from "./fuzz-support.ts";

const tally = inputTally("slack");
afterAll(() => {
  const path = tally.save();
  console.info(`Slack fuzz: ${JSON.stringify(tally.counts)} -> ${path}`);
});

/** Who acts: an admin, an employee, someone Slack knows but the inventory does not, a guest with no email. */
const ACTORS = ["UADA", "UERIN", "USTRANGER", "UGUEST"] as const;
const EMAILS = [
  "ada.admin@example.com",
  "erin.engineer@example.com",
  "felix.field@example.com",
  "sam.security@example.com",
];
/** Real device ids: Ada's, Erin's and Felix's. */
const DEVICES = ["demo-pixel-8-owner", "demo-galaxy-s22-work-profile", "demo-pixel-xl-android7-owner"];

const controlChars = fc.string({ unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)) });
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  controlChars,
  fc.string({ maxLength: 4000 }),
);
/** A real device id, changed just enough that it names no device. */
const nearDeviceId = fc
  .tuple(
    fc.constantFrom(...DEVICES),
    fc.constantFrom(
      (s: string) => s.toUpperCase(),
      (s: string) => ` ${s}`,
      (s: string) => `${s} `,
      (s: string) => `${s}\u0000`,
      (s: string) => s.replace("o", "\u043e"), // Cyrillic o
      (s: string) => `${s}/..`,
      (s: string) => s.slice(0, -1),
      (s: string) => `%${s}`,
      (s: string) => `${s}' OR '1'='1`,
    ),
  )
  .map(([id, change]) => change(id));
const deviceIdish = fc.oneof(nearDeviceId, anyText, fc.constant(""));

/** What an admin or an employee might type after /reset-passcode, and what a fuzzer would. */
const commandText = fc.oneof(
  anyText,
  fc.constantFrom(...ACTORS, "UFELIX", "U0NOBODY", "W123", "UBOT").map((id) => `<@${id}>`),
  fc.tuple(fc.stringMatching(/^[UW][A-Z0-9]{1,12}$/), anyText).map(([id, n]) => `<@${id}|${n}>`),
  fc.constantFrom(...EMAILS, "nobody@example.com").map((e) => `<mailto:${e}|${e}>`),
  fc.emailAddress(),
  fc.constantFrom("<#C123|general>", "<!here>", "<!subteam^S1|team>", "@", "<@>", "<mailto:|>", "?", "HELP"),
  fc
    .tuple(fc.constantFrom("status", "cancel", "STATUS", "Cancel"), anyText)
    .map(([w, rest]) => `${w} ${rest}`),
  fc
    .tuple(fc.constantFrom("status", "cancel"), fc.stringMatching(/^rq_[A-Za-z0-9_-]{4,70}$/))
    .map(([w, id]) => `${w} ${id}`),
  fc.array(fc.oneof(fc.emailAddress(), anyText), { minLength: 2, maxLength: 5 }).map((w) => w.join(" ")),
  fc.string({ unit: "grapheme", minLength: 3000, maxLength: 6000 }),
);

const anyJson = fc.jsonValue({ maxDepth: 3 });
const metadata = fc.oneof(
  anyText,
  anyJson.map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        c: fc.oneof(fc.constantFrom("C0GENERAL", "D0ADA", ""), anyText, anyJson),
        o: fc.oneof(fc.constantFrom(...EMAILS), anyText, anyJson),
        d: fc.oneof(deviceIdish, anyJson),
        n: fc.oneof(fc.boolean(), anyJson),
      },
      { requiredKeys: [] },
    )
    .map((m) => JSON.stringify(m)),
);
const option = (value: fc.Arbitrary<unknown>) => fc.record({ value }, { requiredKeys: [] });
/** view.state.values: mostly the shape Slack sends, with random contents; sometimes nothing like it. */
const stateValues = fc.oneof(
  fc.record(
    {
      device_block: fc.record({
        device: fc.record(
          {
            type: fc.constantFrom("radio_buttons", "static_select", "plain_text_input"),
            selected_option: fc.oneof(
              fc.constant(null),
              option(fc.oneof(fc.constantFrom(...DEVICES), deviceIdish)),
            ),
          },
          { requiredKeys: ["type"] },
        ),
      }),
      notify_block: fc.record({
        notify_user: fc.record({
          type: fc.constant("checkboxes"),
          selected_options: fc.array(option(anyText), { maxLength: 3 }),
        }),
      }),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.dictionary(fc.string({ maxLength: 12 }), anyJson)),
) as fc.Arbitrary<StateValues>;

async function waitFor(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("the warm-up was never answered");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const CALLBACKS = ["reset_form", "reset_confirm", "lost_form", "lost_confirm"] as const;

describe("Slack endpoints under random and malformed input", () => {
  const h: SlackHarness = useSlackHarness();
  let before: Snapshot;

  beforeAll(async () => {
    // Who each Slack user is gets stored on their first request: learned here, before the snapshot.
    for (const userId of ACTORS) {
      const rid = `warm-${userId}`;
      await h.slack.command({ userId, text: "status", responseUrl: h.fake.responseUrl(rid) });
      await h.fake.waitForResponse((r) => r.id === rid, 10_000);
    }
    // A person an admin names is looked up in Slack and linked on first use too (Felix is in the
    // inventory but never acts): an admin names him once here, so the fuzz may name him again.
    const triggerId = h.fake.issueTriggerId();
    await h.slack.command({
      userId: "UADA",
      text: "<@UFELIX>",
      triggerId,
      responseUrl: h.fake.responseUrl("warm-felix"),
    });
    await waitFor(() =>
      h.fake.calls.some((c) => c.method === "views.open" && c.args.trigger_id === triggerId),
    );
    await new Promise((r) => setTimeout(r, 300));
    before = await snapshot(h.running.core.database.db);
  }, 60_000);

  afterAll(async () => {
    if (!h.running) return;
    // Nothing any of the tests below sent changed the state, even after the work that follows acks.
    await new Promise((r) => setTimeout(r, 500));
    await expectHealthy(h.running.url);
    expectUnchanged(before, await snapshot(h.running.core.database.db), "the Slack fuzz inputs");
  });

  /** Waits until `userId` has been answered after `since` calls: a modal, an ephemeral, a DM or a response_url post. */
  async function answered(o: { userId: string; triggerId?: string; responseId?: string; since: number }) {
    const isAnswer = (c: FakeSlackCall) =>
      (o.triggerId !== undefined && c.method === "views.open" && c.args.trigger_id === o.triggerId) ||
      (c.method === "chat.postEphemeral" && c.args.user === o.userId) ||
      (c.method === "chat.postMessage" && String(c.args.channel) === `D${o.userId}`) ||
      (c.method === "chat.postMessage" && String(c.args.channel).startsWith("D") && o.userId !== "") ||
      c.method === "views.update";
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      if (o.responseId && h.fake.responses.some((r) => r.id === o.responseId)) return "response_url";
      const hit = h.fake.calls.slice(o.since).find(isAnswer);
      if (hit) {
        expect(hit.error, `${hit.method} failed: ${hit.error}`).toBeUndefined();
        return hit.method;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(
      `${o.userId} was never answered; calls since: ${h.fake.calls.slice(o.since).map((c) => c.method)}`,
    );
  }

  const n = runs(40);

  it(
    "/reset-passcode with any text from anyone: acked, and the person is told something",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ACTORS), commandText, async (userId, text) => {
          tally.add("slash command");
          const since = h.fake.calls.length;
          const responseId = `cmd-${since}-${Math.random().toString(36).slice(2)}`;
          const triggerId = h.fake.issueTriggerId();
          const res = await h.slack.command({
            userId,
            text,
            triggerId,
            responseUrl: h.fake.responseUrl(responseId),
          });
          expect(res.status, res.body).toBe(200);
          if (res.body !== "") {
            const ack = res.json() as { text?: string };
            expect(ack.text?.length ?? 0, res.body).toBeGreaterThan(10);
            return;
          }
          const how = await answered({ userId, triggerId, responseId, since });
          if (how === "views.open") {
            // The modal shows the form or a message saying why not (at once, or replacing a
            // loading view).
            const shown = await shownModal(h, since, 8000);
            expect(shown.view.blocks?.length ?? 0).toBeGreaterThan(0);
          }
        }),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
    },
    timeoutFor(n, 300),
  );

  it(
    "an employee naming anyone but themselves is refused, and the refusal is audited",
    async () => {
      const { db } = h.running.core.database;
      const target = fc.oneof(
        fc.constantFrom("UADA", "UFELIX", "U0NOBODY").map((id) => `<@${id}>`),
        fc.constantFrom("ada.admin@example.com", "felix.field@example.com", "nobody@example.com"),
        fc.stringMatching(/^[a-z][a-z._-]{2,20}$/),
      );
      await fc.assert(
        fc.asyncProperty(target, async (text) => {
          tally.add("employee reset attempt");
          const auditBefore = await auditMark(db);
          const since = h.fake.calls.length;
          const triggerId = h.fake.issueTriggerId();
          const res = await h.slack.command({ userId: "UERIN", text, triggerId });
          expect(res.status).toBe(200);
          await answered({ userId: "UERIN", triggerId, since });
          const shown = await shownModal(h, since, 8000);
          expect(JSON.stringify(shown.view)).toContain(":no_entry:");
          const rows = await auditSince(db, auditBefore);
          expect(rows, text).toContainEqual(
            expect.objectContaining({
              actor: "erin.engineer@example.com",
              outcome: "refused",
              surface: "slack",
            }),
          );
        }),
        { numRuns: Math.ceil(n / 2), ...seedOption() },
      );
    },
    timeoutFor(n, 300),
  );

  it(
    "modal submissions with random values and private_metadata get a field error, or a private message",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ACTORS),
          fc.constantFrom(...CALLBACKS),
          metadata,
          stateValues,
          async (userId, callbackId, meta, values) => {
            tally.add(`view_submission ${callbackId}`);
            const since = h.fake.calls.length;
            const res = await h.slack.viewSubmission({
              userId,
              view: {
                id: `V${since}FUZZ`,
                callback_id: callbackId,
                private_metadata: meta,
                state: { values },
              },
            });
            expect(res.status, res.body).toBe(200);
            const ack = res.json() as
              | { response_action: "errors"; errors: Record<string, string> }
              | { response_action: "push"; view: { callback_id: string } }
              | { response_action: "clear" };
            if (callbackId === "reset_confirm" || callbackId === "lost_confirm") {
              expect(ack).toEqual({ response_action: "clear" });
              // The modal closes; the reset could not start, and the person is told why, privately.
              await answered({ userId, since });
              return;
            }
            if (ack.response_action === "errors") {
              expect(Object.values(ack.errors).every((e) => e.length > 5)).toBe(true);
            } else {
              // Only a real device of the person the form was for (or the reporter's own) gets a confirmation.
              expect(ack.response_action).toBe("push");
              const next = (ack as { view: { callback_id: string } }).view.callback_id;
              expect(next).toBe(callbackId === "reset_form" ? "reset_confirm" : "lost_confirm");
            }
          },
        ),
        { numRuns: n * 2, ...seedOption() },
      );
      await expectHealthy(h.running.url);
    },
    timeoutFor(n * 2, 400),
  );

  it(
    "button clicks with random values on the status message and Home tab buttons",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ACTORS),
          fc.constantFrom("cancel_request", "request_details", "report_lost"),
          fc.oneof(deviceIdish, fc.constantFrom(...DEVICES), fc.stringMatching(/^rq_[A-Za-z0-9]{4,30}$/)),
          async (userId, actionId, value) => {
            tally.add(`block_actions ${actionId}`);
            const since = h.fake.calls.length;
            const triggerId = h.fake.issueTriggerId();
            const res = await h.slack.blockAction({
              userId,
              actionId,
              value,
              channelId: "C0GENERAL",
              messageTs: "1700000000.000100",
              triggerId,
            });
            expect(res.status, res.body).toBe(200);
            await answered({ userId, triggerId, since });
          },
        ),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
    },
    timeoutFor(n, 400),
  );

  it("an employee reporting someone else's device lost is refused, and the refusal is audited", async () => {
    const { db } = h.running.core.database;
    for (const deviceId of ["demo-pixel-8-owner", "demo-pixel-xl-android7-owner"]) {
      tally.add("view_submission lost_form (not theirs)");
      const auditBefore = await auditMark(db);
      const res = await h.slack.viewSubmission({
        userId: "UERIN",
        view: {
          id: `VLOST${deviceId}`,
          callback_id: "lost_form",
          state: {
            values: {
              device_block: { device: { type: "radio_buttons", selected_option: { value: deviceId } } },
            },
          },
        },
      });
      const ack = res.json() as { response_action: string; errors: Record<string, string> };
      expect(ack.response_action).toBe("errors");
      expect(ack.errors.device_block).toContain("only report your own");
      expect(await auditSince(db, auditBefore)).toContainEqual(
        expect.objectContaining({ actor: "erin.engineer@example.com", outcome: "refused", deviceId }),
      );
    }
  });

  it(
    "malformed envelopes, unknown callbacks and bad signatures get a 4xx (or an empty ack) and no crash",
    async () => {
      const secret = "test-signing-secret";
      const FORM = "application/x-www-form-urlencoded";
      const envelope = fc.oneof(
        // Signed, but the body is not what Slack sends.
        fc.record({
          kind: fc.constant("signed"),
          type: fc.constantFrom(FORM, "application/json", "text/plain"),
          body: fc.oneof(
            anyText,
            anyJson.map((v) => JSON.stringify(v)),
            anyText.map((t) => `payload=${encodeURIComponent(t)}`),
            anyJson.map((v) => `payload=${encodeURIComponent(JSON.stringify(v))}`),
            fc
              .record({
                type: fc.constantFrom(
                  "view_submission",
                  "block_actions",
                  "shortcut",
                  "message_action",
                  "nope",
                ),
                user: fc.oneof(fc.constant({ id: "UADA" }), anyJson),
                view: anyJson,
                actions: anyJson,
                callback_id: anyText,
              })
              .map((p) => `payload=${encodeURIComponent(JSON.stringify(p))}`),
          ),
        }),
        // Any body with a wrong, missing or stale signature.
        fc.record({
          kind: fc.constantFrom("unsigned", "badly signed", "stale"),
          type: fc.constant(FORM),
          body: fc.oneof(anyText, fc.constant("command=%2Freset-passcode&text=%40ada&user_id=UADA")),
        }),
      );
      const inputs = fc.sample(envelope, { numRuns: n, ...seedOption() });
      // Bolt answers an envelope no listener handles with 404 after 3 s: sent in parallel, in batches.
      for (let i = 0; i < inputs.length; i += 25) {
        await Promise.all(
          inputs.slice(i, i + 25).map(async (e) => {
            tally.add(`envelope ${e.kind}`);
            const headers: Record<string, string> = { "content-type": e.type };
            if (e.kind === "signed") Object.assign(headers, signSlack(secret, e.body));
            if (e.kind === "badly signed") Object.assign(headers, signSlack("not-the-secret", e.body));
            if (e.kind === "stale")
              Object.assign(headers, signSlack(secret, e.body, Math.floor(Date.now() / 1000) - 600));
            const res = await h.slack.raw(e.body, headers);
            if (e.kind !== "signed") {
              expect(res.status, `${e.kind}: ${res.body}`).toBe(401);
              return;
            }
            expect(res.status, `${e.type} ${e.body.slice(0, 200)} -> ${res.body}`).toBeLessThan(500);
          }),
        );
        await expectHealthy(h.running.url);
      }
    },
    timeoutFor(n, 500),
  );

  it("oversized bodies are refused with 413: declared ones at once, unread; streamed ones past the limit", async () => {
    const url = new URL(h.running.url);
    // Declared far over the limit and never sent: answered at once, not after waiting for the body.
    tally.add("oversized body");
    const declared = await rawRequest(url, [
      "POST /slack/events HTTP/1.1",
      `Host: ${url.host}`,
      "Content-Type: application/x-www-form-urlencoded",
      `Content-Length: ${50 * 1024 * 1024}`,
      "",
      "payload=",
    ]);
    expect(declared.status).toBe(413);
    expect(declared.body).toContain("too large");
    const big = `payload=${"x".repeat(2 * 1024 * 1024)}`;
    tally.add("oversized body");
    const whole = await fetch(`${h.running.url}/slack/events`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...signSlack("test-signing-secret", big),
      },
      body: big,
    });
    expect(whole.status).toBe(413);
    await whole.arrayBuffer();
    // Chunked, no length: Bolt reads up to its limit (1 MiB), then refuses.
    tally.add("oversized body");
    const streamed = await rawRequest(
      url,
      [
        "POST /slack/events HTTP/1.1",
        `Host: ${url.host}`,
        "Content-Type: application/x-www-form-urlencoded",
        "Transfer-Encoding: chunked",
        "",
        "",
      ],
      { chunks: 256, chunkSize: 16 * 1024 },
    );
    expect(streamed.status).toBe(413);
    await expectHealthy(h.running.url);
  });
});
