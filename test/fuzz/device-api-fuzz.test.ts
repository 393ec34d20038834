// Random and malformed calls to the device agent API of a running embedded Latchkey: random JSON
// and non-JSON bodies, wrong content types, random secrets, paths and methods, reports for
// requests that are finished or not the device's, oversized bodies (refused with 413 before they
// are read). Always a 4xx with a message (or an idempotent 200 that changes nothing), never a 5xx,
// never a state change, and the server keeps answering.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { issueEnrollmentCode } from "../../src/core/enrollment.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { MAX_BODY_BYTES } from "../../src/http/router.ts";
import { type Embedded, startEmbedded } from "../support/embedded.ts";
import {
  auditMark,
  auditSince,
  expectHealthy,
  expectUnchanged,
  inputTally,
  rawRequest,
  runs,
  seedOption,
  snapshot,
  timeoutFor,
} from "./fuzz-support.ts";

const DEVICE = "demo-pixel-8-owner";
const OTHER = "demo-pixel-xl-android7-owner";
const STEPS = ["received", "passcode_reset", "locked", "failed"] as const;
const tally = inputTally("device-api");
/** An authenticated call marks its device seen, whatever it carries: that is a heartbeat, not a change. */
const SEEN = { Device: ["lastSeenAt", "updatedAt"] };

afterAll(() => {
  const path = tally.save();
  console.info(`device API fuzz: ${JSON.stringify(tally.counts)} -> ${path}`);
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  o: { body?: string | Buffer; contentType?: string | null; secret?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (o.contentType !== null) headers["content-type"] = o.contentType ?? "application/json";
  if (o.secret) headers.authorization = `Bearer ${o.secret}`;
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(o.body !== undefined && method !== "GET" && method !== "HEAD" ? { body: o.body } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A refusal the caller can act on: a 4xx whose JSON body says what was wrong. */
function expectClearRefusal(a: Answer, what: string): void {
  expect(a.status, `${what}: ${a.text}`).toBeGreaterThanOrEqual(400);
  expect(a.status, `${what}: ${a.text}`).toBeLessThan(500);
  if (a.status === 405 || a.status === 404 || a.status === 401 || a.status === 400 || a.status === 413) {
    const body = JSON.parse(a.text) as { error?: unknown };
    expect(typeof body.error, `${what}: ${a.text}`).toBe("string");
    expect((body.error as string).length).toBeGreaterThan(5);
  }
}

/** Any JSON value, shallow or nested, with unicode strings and odd numbers. */
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const weirdString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.constantFrom("", " ", "\u0000", "rq_", "../../etc/passwd", "%00", "null", "{}", "rq_%2F..%2F"),
);
/** A report body: sometimes well formed, mostly not. */
const reportBody = fc.oneof(
  jsonValue,
  fc.record(
    {
      step: fc.oneof(fc.constantFrom(...STEPS), weirdString, fc.integer(), fc.constant(null)),
      reason: fc.oneof(weirdString, fc.string({ maxLength: 3000 }), fc.integer(), fc.constant(null)),
      extra: jsonValue,
    },
    { requiredKeys: [] },
  ),
);
const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "",
  null,
);
/** Bytes that are not JSON (or not only JSON). */
const notJson = fc.oneof(
  fc.constantFrom(
    "{",
    '{"step":',
    "step=received",
    "<step>received</step>",
    "\u0000\u0001",
    "[1,2",
    "'x'",
    "NaN",
  ),
  fc.string({ unit: "binary", maxLength: 200 }).filter((s) => !isJson(s)),
  fc
    .uint8Array({ maxLength: 200 })
    .map((a) => Buffer.from(a))
    .filter((b) => !isJson(b.toString("utf8"))),
);

function isJson(s: string): boolean {
  if (s.trim() === "") return true; // an empty body is "no body", not bad JSON
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

describe("device API under random and malformed input", () => {
  let h: Embedded;
  let secret = "";
  let finishedId = "";
  let othersId = "";

  beforeAll(async () => {
    h = await startEmbedded(
      "fuzz-device",
      { TEAMS_ENABLED: "false", DEVICE_API_RATE: "100000/m,100000/m" },
      () => ({}),
    );
    const { engine } = h.running.core;
    // A finished request on this device (the simulated phone completes it) and one on another device.
    const mine = await startReset(engine, {
      actorEmail: "ada.admin@example.com",
      deviceId: DEVICE,
      notifyUser: false,
      surface: "cli",
    });
    const theirs = await startReset(engine, {
      actorEmail: "ada.admin@example.com",
      deviceId: OTHER,
      notifyUser: false,
      surface: "cli",
    });
    if (!("request" in mine) || !("request" in theirs)) throw new Error("the set-up resets did not start");
    finishedId = mine.request.id;
    othersId = theirs.request.id;
    for (const id of [finishedId, othersId]) {
      await vi.waitFor(
        async () => {
          const state = (await engine.stores.requests.get(id))?.state;
          if (state !== "completed") throw new Error(`${id} is ${state}`);
        },
        { timeout: 20_000, interval: 100 },
      );
    }
    // The fuzzer enrolls as the device (the simulated phone's secret is replaced; nothing pushes to it again).
    const issued = await issueEnrollmentCode(engine, DEVICE);
    if (!issued.ok) throw new Error("no enrollment code");
    const enrolled = await call(h.running.url, "POST", "/device/v1/enroll", {
      body: JSON.stringify({ deviceId: DEVICE, enrollmentCode: issued.code }),
    });
    expect(enrolled.status).toBe(201);
    secret = (JSON.parse(enrolled.text) as { deviceSecret: string }).deviceSecret;
    // Let the deliveries and thread work of the set-up settle before the state is snapshotted.
    await new Promise((r) => setTimeout(r, 500));
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  const n = runs(60);

  it(
    "reports with random bodies, content types and request ids are refused or change nothing",
    async () => {
      const { db } = h.running.core.database;
      const before = await snapshot(db, SEEN);
      const requestId = fc.oneof(
        fc.constantFrom(finishedId, othersId, "rq_doesnotexist", "", "%2e%2e", "%ZZ"),
        weirdString.map((s) => encodeURIComponent(s)),
      );
      await fc.assert(
        fc.asyncProperty(requestId, reportBody, contentType, async (rid, body, type) => {
          tally.add("device report");
          const a = await call(h.running.url, "POST", `/device/v1/commands/${rid}/reports`, {
            body: JSON.stringify(body),
            contentType: type,
            secret,
          });
          if (a.status === 200) {
            // Only a repeat of a step the finished request already went through: idempotent.
            expect(JSON.parse(a.text)).toMatchObject({ changed: false });
          } else expectClearRefusal(a, `report ${rid} ${JSON.stringify(body)}`);
        }),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
      expectUnchanged(before, await snapshot(db, SEEN), "random device reports");
    },
    timeoutFor(n, 150),
  );

  it(
    "bodies that are not JSON get 400 on every POST and PUT route, whatever the content type",
    async () => {
      const { db } = h.running.core.database;
      const before = await snapshot(db, SEEN);
      const route = fc.constantFrom(
        ["POST", "/device/v1/enroll"],
        ["PUT", "/device/v1/push-token"],
        ["POST", `/device/v1/commands/${finishedId}/reports`],
        ["POST", "/device/v1/commands/rq_x/reports"],
      );
      await fc.assert(
        fc.asyncProperty(
          route,
          notJson,
          contentType,
          fc.boolean(),
          async ([method, path], body, type, auth) => {
            tally.add("bad JSON");
            const a = await call(h.running.url, method as string, path as string, {
              body,
              contentType: type,
              secret: auth ? secret : null,
            });
            expect(a.status, a.text).toBe(400);
            expect(JSON.parse(a.text)).toEqual({ error: "The request body is not valid JSON." });
          },
        ),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
      expectUnchanged(before, await snapshot(db, SEEN), "non-JSON bodies");
    },
    timeoutFor(n, 150),
  );

  it(
    "random secrets, enrollments, push tokens, paths and methods are refused",
    async () => {
      const { db } = h.running.core.database;
      const before = await snapshot(db, SEEN);
      const badSecret = fc.oneof(
        fc.constant(null),
        fc.constant(`${secret}x`),
        fc.constant(secret.slice(0, -1)),
        fc.string({ minLength: 1, maxLength: 80 }).filter((s) => /^\S+$/.test(s) && s !== secret),
        fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      );
      const request = fc.oneof(
        fc.record({
          kind: fc.constant("enroll" as const),
          body: fc.oneof(
            jsonValue,
            fc.record(
              {
                deviceId: fc.oneof(fc.constantFrom(DEVICE, OTHER, "nope"), weirdString, fc.integer()),
                enrollmentCode: fc.oneof(weirdString, fc.stringMatching(/^[A-Z0-9-]{8,20}$/), fc.boolean()),
                pushToken: fc.oneof(weirdString, fc.string({ maxLength: 5000 }), jsonValue),
              },
              { requiredKeys: [] },
            ),
          ),
        }),
        fc.record({ kind: fc.constant("push-token" as const), secret: badSecret, body: jsonValue }),
        fc.record({ kind: fc.constant("next" as const), secret: badSecret }),
        fc.record({
          kind: fc.constant("report" as const),
          secret: badSecret,
          body: fc.record({ step: fc.constantFrom(...STEPS) }),
        }),
        fc.record({
          kind: fc.constant("elsewhere" as const),
          method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
          path: fc.oneof(
            fc.constantFrom(
              "/device",
              "/device/v1",
              "/device/v2/enroll",
              "/device/v1/commands",
              "/device/v1/enroll/",
            ),
            weirdString.map((s) => `/device/v1/${encodeURIComponent(s)}`),
          ),
          secret: badSecret,
        }),
      );
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          tally.add(`random ${r.kind}`);
          let a: Answer;
          if (r.kind === "enroll") {
            a = await call(h.running.url, "POST", "/device/v1/enroll", { body: JSON.stringify(r.body) });
            expect([400, 403]).toContain(a.status);
          } else if (r.kind === "push-token") {
            a = await call(h.running.url, "PUT", "/device/v1/push-token", {
              body: JSON.stringify(r.body),
              secret: r.secret,
            });
            expect(a.status, a.text).toBe(401);
          } else if (r.kind === "next") {
            a = await call(h.running.url, "GET", "/device/v1/commands/next", { secret: r.secret });
            expect(a.status, a.text).toBe(401);
          } else if (r.kind === "report") {
            a = await call(h.running.url, "POST", `/device/v1/commands/${finishedId}/reports`, {
              body: JSON.stringify(r.body),
              secret: r.secret,
            });
            expect(a.status, a.text).toBe(401);
          } else {
            a = await call(h.running.url, r.method, r.path, { secret: r.secret, body: "{}" });
            expect([400, 401, 404, 405]).toContain(a.status);
          }
          expectClearRefusal(a, JSON.stringify(r));
        }),
        { numRuns: n, ...seedOption() },
      );
      await expectHealthy(h.running.url);
      expectUnchanged(before, await snapshot(db, SEEN), "random device API calls");
    },
    timeoutFor(n, 150),
  );

  it("oversized bodies are refused with 413 before they are read, declared or streamed", async () => {
    const { db } = h.running.core.database;
    const before = await snapshot(db, SEEN);
    const url = new URL(h.running.url);
    const paths = ["/device/v1/enroll", `/device/v1/commands/${finishedId}/reports`, "/device/v1/push-token"];
    for (const path of paths) {
      // Declared too large: the answer comes although the body is never sent.
      const declared = await rawRequest(url, [
        `${path.endsWith("push-token") ? "PUT" : "POST"} ${path} HTTP/1.1`,
        `Host: ${url.host}`,
        "Content-Type: application/json",
        `Authorization: Bearer ${secret}`,
        `Content-Length: ${50 * 1024 * 1024}`,
        "",
        '{"step":"rec',
      ]);
      tally.add("oversized body");
      expect(declared.status, path).toBe(413);
      expect(declared.body).toContain("too large");
      // Chunked with no length: refused once the limit is passed, not after the whole body.
      const streamed = await rawRequest(
        url,
        [
          `${path.endsWith("push-token") ? "PUT" : "POST"} ${path} HTTP/1.1`,
          `Host: ${url.host}`,
          "Content-Type: application/json",
          `Authorization: Bearer ${secret}`,
          "Transfer-Encoding: chunked",
          "",
          "",
        ],
        { chunks: Math.ceil((MAX_BODY_BYTES * 4) / 8192), chunkSize: 8192 },
      );
      tally.add("oversized body");
      expect(streamed.status, path).toBe(413);
    }
    // A body at the limit, of valid JSON but too big a reason, is read and refused by validation.
    const atLimit = await call(h.running.url, "POST", `/device/v1/commands/${finishedId}/reports`, {
      body: JSON.stringify({ step: "failed", reason: "x".repeat(MAX_BODY_BYTES - 40) }),
      secret,
    });
    tally.add("oversized body");
    expect(atLimit.status).toBe(400);
    expect(atLimit.text).toContain("reason");
    await expectHealthy(h.running.url);
    expectUnchanged(before, await snapshot(db, SEEN), "oversized bodies");
  });
});

describe("device API rate limit refusals are audited", () => {
  let h: Embedded;
  beforeAll(async () => {
    h = await startEmbedded(
      "fuzz-device-rate",
      { TEAMS_ENABLED: "false", DEVICE_API_RATE: "100/m,5/m" },
      () => ({}),
    );
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it("random bad secrets past the address's allowance get 429 with Retry-After, and one audit row", async () => {
    const { db } = h.running.core.database;
    const before = await snapshot(db, SEEN);
    const mark = await auditMark(db);
    const secrets = fc.sample(fc.stringMatching(/^[A-Za-z0-9_-]{10,60}$/), { numRuns: 12, ...seedOption() });
    const statuses: number[] = [];
    for (const s of secrets) {
      tally.add("rate-limited bad secret");
      const a = await call(h.running.url, "GET", "/device/v1/commands/next", { secret: s });
      statuses.push(a.status);
      if (a.status === 429) {
        expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(JSON.parse(a.text)).toMatchObject({ error: expect.stringContaining("Too many") });
      }
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    const audited = (await auditSince(db, mark)).filter((r) => r.action === "device.rate_limited");
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ outcome: "refused", surface: "device" });
    await expectHealthy(h.running.url);
    expectUnchanged(before, await snapshot(db, SEEN), "rate-limited calls");
  });
});
