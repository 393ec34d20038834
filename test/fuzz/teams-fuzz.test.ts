// Random and malformed Microsoft Teams activities at POST /api/messages of a running embedded
// Latchkey (botbuilder's real CloudAdapter in local mode, a fake Bot Connector behind it): the
// message extension's fetchTask and submitAction with random commands, contexts and dialog data
// (Action.Submit), Action.Execute with random verbs and data, task/fetch, chat messages, and
// activities that are not activities at all. Invokes always answer 200 with a card or a message
// for the person (never an empty "done"), other refusals are 4xx, nothing changes, refused
// activities are audited, and the server keeps answering /healthz.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, startTeamsHarness, type TeamsHarness, type Where } from "../support/teams-harness.ts";
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

const tally = inputTally("teams");
afterAll(() => {
  const path = tally.save();
  console.info(`Teams fuzz: ${JSON.stringify(tally.counts)} -> ${path}`);
});

/** An admin, an employee, a stranger showing an admin's address, a guest showing an employee's. */
const USERS = ["29:ada", "29:erin", "29:mallory", "29:gus"] as const;
const WHERE: Where[] = [{ kind: "personal" }, { kind: "channel" }, { kind: "groupChat" }];
const EMAILS = [
  "ada.admin@example.com",
  "erin.engineer@example.com",
  "felix.field@example.com",
  "nobody@example.com",
];
const DEVICES = ["demo-pixel-8-owner", "demo-galaxy-s22-work-profile", "demo-pixel-xl-android7-owner"];
const VERBS = [
  "reset.form",
  "reset.confirm",
  "reset.start",
  "lost.confirm",
  "lost.start",
  "request.cancel",
  "request.refresh",
  "request.details",
];

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
  fc.string({ minLength: 2000, maxLength: 5000 }),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
/** Card data as a dialog's Action.Submit (or a crafted invoke) sends it: real-looking fields, random values. */
const cardData = fc.oneof(
  anyJson,
  fc.record(
    {
      verb: fc.oneof(fc.constantFrom(...VERBS), anyText),
      owner: fc.oneof(fc.constantFrom(...EMAILS), fc.emailAddress(), anyText, anyJson),
      deviceId: fc.oneof(fc.constantFrom(...DEVICES), anyText, anyJson),
      notifyUser: fc.oneof(fc.constantFrom("true", "false"), fc.boolean(), anyJson),
      nonce: fc.oneof(fc.stringMatching(/^tk_[a-f0-9]{8,32}$/), anyText),
      seal: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), anyText),
      requestId: fc.oneof(fc.stringMatching(/^rq_[A-Za-z0-9]{4,30}$/), anyText),
    },
    { requiredKeys: [] },
  ),
);

describe("Teams endpoint under random and malformed input", () => {
  let h: TeamsHarness;
  let before: Snapshot;

  beforeAll(async () => {
    h = await startTeamsHarness();
    // Contacts and identities are stored on a user's first activity: learned before the snapshot.
    for (const user of USERS) {
      for (const where of WHERE) {
        const res = await h.teams.message(user, "status", where);
        expect(res.status).toBeLessThan(300);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    before = await snapshot(h.running.core.database.db);
  }, 60_000);

  afterAll(async () => {
    if (!h) return;
    await new Promise((r) => setTimeout(r, 500));
    await expectHealthy(h.running.url);
    expectUnchanged(before, await snapshot(h.running.core.database.db), "the Teams fuzz inputs");
    await h.stop();
  });

  /** A dialog answer: a next step (a card) or a message; an empty `{}` would mean a reset started. */
  function expectDialogAnswer(res: { status: number; body: unknown }, what: string) {
    expect(res.status, what).toBe(200);
    const task = (res.body as { task?: { type?: string; value?: unknown } }).task;
    expect(task?.type, `${what} -> ${JSON.stringify(res.body)}`).toMatch(/^(continue|message)$/);
    if (task?.type === "message") expect(String(task.value).length).toBeGreaterThan(5);
    else expect(cardText(task?.value).length).toBeGreaterThan(50);
  }

  const n = runs(40);

  it(
    "message extension fetchTask with random commands, contexts and message authors",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...USERS),
          fc.constantFrom(...WHERE),
          fc.oneof(fc.constant("resetPasscode"), anyText),
          fc.oneof(fc.constantFrom("compose", "message", "commandBox"), anyText),
          fc.option(
            fc.record(
              {
                id: anyText,
                from: fc.oneof(
                  fc.record({
                    user: fc.record(
                      {
                        id: fc.oneof(fc.constantFrom("aad-ada", "aad-erin", "aad-nobody"), anyText),
                        displayName: anyText,
                      },
                      { requiredKeys: [] },
                    ),
                  }),
                  anyJson,
                ),
                body: anyJson,
              },
              { requiredKeys: [] },
            ),
          ),
          async (user, where, commandId, commandContext, messagePayload) => {
            tally.add("fetchTask");
            const res = await h.teams.post({
              ...h.teams.base(user, where),
              type: "invoke",
              name: "composeExtension/fetchTask",
              value: {
                commandId,
                commandContext,
                context: { theme: "default" },
                ...(messagePayload ? { messagePayload } : {}),
              },
            });
            expectDialogAnswer(res, `fetchTask ${commandId}`);
          },
        ),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
    },
    timeoutFor(n, 300),
  );

  it(
    "message extension submitAction with random dialog data (Action.Submit) never starts anything",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...USERS),
          fc.constantFrom(...WHERE),
          cardData,
          async (user, where, data) => {
            tally.add("submitAction");
            const res = await h.teams.submitAction(user, where, data as Record<string, unknown>);
            expectDialogAnswer(res, `submitAction ${JSON.stringify(data).slice(0, 300)}`);
          },
        ),
        { numRuns: n * 2, ...seedOption() },
      );
      await expectHealthy(h.running.url);
    },
    timeoutFor(n * 2, 300),
  );

  it(
    "Action.Execute with random verbs and data, and task/fetch with random data",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...USERS),
          fc.constantFrom(...WHERE),
          fc.oneof(fc.constantFrom(...VERBS), anyText),
          cardData,
          fc.boolean(),
          async (user, where, verb, data, asTaskFetch) => {
            if (asTaskFetch) {
              tally.add("task/fetch");
              const res = await h.teams.taskFetch(user, where, { verb, ...(data as object) } as Record<
                string,
                unknown
              >);
              expectDialogAnswer(res, `task/fetch ${verb}`);
              return;
            }
            tally.add("Action.Execute");
            const res = await h.teams.cardAction(user, where, verb, data as Record<string, unknown>);
            expect(res.status, verb).toBe(200);
            const body = res.body as { statusCode?: number; type?: string; value?: unknown };
            expect(body.statusCode).toBe(200);
            expect(body.type).toMatch(/^application\/vnd\.microsoft\.(card\.adaptive|activity\.message)$/);
            expect(JSON.stringify(body.value).length, JSON.stringify(body)).toBeGreaterThan(10);
          },
        ),
        { numRuns: n * 2, ...seedOption() },
      );
      await expectHealthy(h.running.url);
    },
    timeoutFor(n * 2, 300),
  );

  it(
    "chat messages with any text are answered with a card",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...USERS),
          fc.constantFrom(...WHERE),
          fc.oneof(
            anyText,
            fc
              .tuple(fc.constantFrom("reset passcode", "cancel", "status", "I lost my device"), anyText)
              .map((p) => p.join(" ")),
          ),
          async (user, where, text) => {
            if (text.trim() === "") return;
            tally.add("chat message");
            const conversation = h.teams.conversationId(user, where);
            const seen = h.fake.messages(conversation).length;
            const res = await h.teams.message(user, text, where);
            expect(res.status).toBe(200);
            await h.fake.waitForMessage(
              conversation,
              () => h.fake.messages(conversation).length > seen,
              8000,
            );
          },
        ),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
    },
    timeoutFor(n, 400),
  );

  it(
    "bodies that are not activities, foreign channels and bad headers get a 4xx; refused channels are audited",
    async () => {
      const { db } = h.running.core.database;
      const endpoint = `${h.running.url}/api/messages`;
      const shapes = fc.oneof(
        fc.record({ kind: fc.constant("not JSON" as const), body: anyText }),
        fc.record({ kind: fc.constant("any JSON" as const), body: anyJson.map((v) => JSON.stringify(v)) }),
        fc.record({
          kind: fc.constant("broken activity" as const),
          body: fc
            .record(
              {
                type: fc.oneof(fc.constantFrom("message", "invoke", "conversationUpdate", "event"), anyJson),
                name: fc.oneof(
                  fc.constantFrom("composeExtension/query", "signin/verifyState", "config/fetch"),
                  anyText,
                ),
                channelId: fc.oneof(fc.constant("msteams"), anyJson),
                from: anyJson,
                conversation: anyJson,
                value: anyJson,
                timestamp: anyText,
                serviceUrl: fc.constant("http://127.0.0.1:1/"),
              },
              { requiredKeys: ["serviceUrl", "type"] },
            )
            .map((a) => JSON.stringify(a)),
        }),
        fc.record({
          kind: fc.constant("foreign channel" as const),
          body: fc
            .tuple(
              fc.constantFrom(...USERS),
              fc.constantFrom("slack", "webchat", "directline", "", "MSTEAMS"),
            )
            .map(([u, channelId]) =>
              JSON.stringify({
                ...h.teams.base(u, { kind: "personal" }),
                type: "message",
                text: "status",
                channelId,
              }),
            ),
        }),
        fc.record({
          kind: fc.constant("not from here" as const),
          body: fc
            .constantFrom(
              "http://example.com/",
              "https://smba.trafficmanager.net/amer/",
              "file:///etc/passwd",
              "http://127.0.0.1.nip.io/",
            )
            .map((serviceUrl) =>
              JSON.stringify({
                ...h.teams.base("29:ada", { kind: "personal" }),
                type: "message",
                text: "status",
                serviceUrl,
              }),
            ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          shapes,
          fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded"),
          async (s, type) => {
            tally.add(`activity ${s.kind}`);
            const mark = await auditMark(db);
            const res = await fetch(endpoint, {
              method: "POST",
              headers: { "content-type": type },
              body: s.body,
            });
            const text = await res.text();
            if (type !== "application/json") {
              expect(res.status, text).toBe(415);
              expect(text).toContain("JSON");
              return;
            }
            if (s.kind === "broken activity") {
              // An invoke the bot does not implement gets the Bot Framework's own answer: 501.
              const parsed = JSON.parse(s.body) as { type?: unknown };
              if (res.status === 501 && parsed.type === "invoke") {
                tally.add("activity invoke not implemented (501)");
                return;
              }
              // Otherwise botbuilder may serve an odd but well-formed activity; never with a 5xx.
              expect(res.status, `${s.body.slice(0, 300)} -> ${text}`).toBeLessThan(500);
              return;
            }
            expect(res.status, `${s.kind} ${s.body.slice(0, 300)} -> ${text}`).toBeGreaterThanOrEqual(400);
            expect(res.status, text).toBeLessThan(500);
            if (s.kind === "foreign channel") {
              expect(await auditSince(db, mark)).toContainEqual(
                expect.objectContaining({ action: "teams.activity", outcome: "refused", surface: "teams" }),
              );
            }
          },
        ),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
    },
    timeoutFor(n, 300),
  );

  it("oversized bodies are refused with 413, declared (at once, unread) or streamed", async () => {
    const url = new URL(h.running.url);
    for (const declared of [300 * 1024, 50 * 1024 * 1024]) {
      tally.add("oversized body");
      const a = await rawRequest(url, [
        "POST /api/messages HTTP/1.1",
        `Host: ${url.host}`,
        "Content-Type: application/json",
        `Content-Length: ${declared}`,
        "",
        '{"type":"message",',
      ]);
      expect(a.status, `declared ${declared}`).toBe(413);
    }
    tally.add("oversized body");
    const streamed = await rawRequest(
      url,
      [
        "POST /api/messages HTTP/1.1",
        `Host: ${url.host}`,
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        "",
        "",
      ],
      { chunks: 64, chunkSize: 16 * 1024 },
    );
    expect(streamed.status).toBe(413);
    await expectHealthy(h.running.url);
  });
});
