// What any chat user can send, through the real stack: a signed Slack slash command into Latchkey's
// Bolt receiver, and Teams card submissions and chat messages through the real botbuilder adapter,
// each carrying 100 KB of dots and '@' where a person's address goes (the input that kept the old
// email pattern backtracking for seconds). Each is answered with a clear message that does not
// echo the input back, and nothing starts: no modal, no request, no audit row. How fast the answer
// comes, and that /healthz answers meanwhile, is measured by bench/hostile-input.ts, not here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/compose.ts";
import { useSlackHarness } from "../support/slack-harness.ts";
import { cardOf, cardText, startTeamsHarness, type TeamsHarness } from "../support/teams-harness.ts";

const KB100 = 100_000;
/** The old pattern's worst case: an '@', a long run it keeps re-splitting, and an '@' that fails it. */
const HOSTILE = `.@${".".repeat(KB100)}@`;
const HOSTILE_SHAPES: [string, string][] = [
  ["dots between two @", HOSTILE],
  ["alternating .@", ".@".repeat(KB100 / 2)],
  ["a mailto that never closes", `<mailto:a@${".".repeat(KB100)}@`],
  ["a mention that never closes", `<@U${"A".repeat(KB100)}|`],
];
/** A run that would show the input was quoted back. */
const ECHO = ".".repeat(500);

async function counts(running: Running) {
  const { requests, audit } = running.core.engine.stores;
  return {
    requests: (await requests.list({ limit: 1000 })).length,
    // What chat users did (the simulated phones enroll themselves in the background meanwhile).
    chatAudit: (await audit.list({ limit: 100_000 }))
      .filter((a) => a.surface === "slack" || a.surface === "teams")
      .map((a) => `${a.actor} ${a.action} ${a.outcome}`),
  };
}

describe("Slack: a 100 KB /reset-passcode", () => {
  const h = useSlackHarness();

  it.each(HOSTILE_SHAPES)("%s: the ack says it is too long, and nothing starts", async (_, text) => {
    const before = await counts(h.running);
    const responses = h.fake.responses.length;
    const res = await h.slack.command({ userId: "UADA", text, channelId: "C0ITOPS" });
    expect(res.status).toBe(200);
    const body = res.json() as { response_type: string; text: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toMatch(/too long for a command \(\d+ characters; at most 1000\)/);
    expect(body.text).toContain("Usage: `/reset-passcode @user`");
    expect(body.text.length).toBeLessThan(1000);
    expect(h.fake.callsTo("views.open")).toHaveLength(0);
    expect(h.fake.responses).toHaveLength(responses);
    expect(await counts(h.running)).toEqual(before);
  });

  it("an address past 254 characters (a command short enough) is refused as one", async () => {
    const long = `${"a".repeat(300)}@example.com`;
    const res = await h.slack.command({ userId: "UADA", text: long, channelId: "C0ITOPS" });
    const body = res.json() as { text: string };
    expect(body.text).toContain("longer than 254 characters, so it is not an email address");
    expect(body.text).not.toContain(long);
    // The same inside Slack's mailto escape.
    const linked = await h.slack.command({
      userId: "UADA",
      text: `<mailto:${long}|${long}>`,
      channelId: "C0ITOPS",
    });
    expect((linked.json() as { text: string }).text).toContain("longer than 254 characters");
    expect(h.fake.callsTo("views.open")).toHaveLength(0);
  });

  it("and the command still reads what people type", async () => {
    const res = await h.slack.command({ userId: "UADA", text: "not-a-person!", channelId: "C0ITOPS" });
    expect((res.json() as { text: string }).text).toContain('I could not read "not-a-person!" as a person.');
  });
});

describe("Teams: 100 KB where a person's address goes", () => {
  let h: TeamsHarness;
  const channel = { kind: "channel" } as const;
  const personal = { kind: "personal" } as const;
  beforeAll(async () => {
    h = await startTeamsHarness();
    // Ada's identity is looked up (and linked, with its audit row) once, before anything is counted.
    await h.teams.submitAction("29:ada", channel, { verb: "reset.form", owner: "nobody" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const tooLong = (card: Record<string, unknown>) => {
    const text = cardText(card);
    expect(text).toContain("longer than 254 characters, so it is not an email address");
    expect(text).not.toContain(ECHO);
    expect(text.length).toBeLessThan(10_000);
  };

  it.each(HOSTILE_SHAPES)(
    "%s, submitted in the message extension's dialog: the person form again, saying why",
    async (_, owner) => {
      const before = await counts(h.running);
      const res = await h.teams.submitAction("29:ada", channel, { verb: "reset.form", owner });
      expect(res.status).toBe(200);
      const card = cardOf(res.body);
      tooLong(card);
      // The person form, empty, to type an address into.
      expect(cardText(card)).toContain('"id":"owner"');
      expect(await counts(h.running)).toEqual(before);
    },
  );

  it("submitted by Action.Execute in the personal chat: a card saying why, and how to name someone", async () => {
    const before = await counts(h.running);
    const res = await h.teams.cardAction("29:ada", personal, "reset.form", { owner: HOSTILE });
    expect(res.status).toBe(200);
    const card = cardOf(res.body);
    tooLong(card);
    expect(cardText(card)).toContain("reset passcode alice@example.com");
    expect(await counts(h.running)).toEqual(before);
  });

  it("typed in the personal chat after 'reset passcode': the reply says why", async () => {
    const before = await counts(h.running);
    const conversation = h.teams.conversationId("29:ada", personal);
    const shown = h.fake.messages(conversation).length;
    const res = await h.teams.message("29:ada", `reset passcode ${HOSTILE}`);
    expect(res.status).toBe(200);
    await expect.poll(() => h.fake.messages(conversation).length).toBeGreaterThan(shown);
    tooLong(cardOf(h.fake.messages(conversation).at(-1)?.activity));
    expect(await counts(h.running)).toEqual(before);
  });
});
