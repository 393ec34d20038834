// The real firebase-admin client, sending through a local server that plays the FCM v1 API.
//
// How the request gets there: firebase-admin's `send()` is an HTTP/1.1 `https.request` to
// https://fcm.googleapis.com (no emulator exists, and the URL is not configurable). nock 14
// hooks node's http/https (and fetch) at the module level, so it sees that request before any
// socket opens. Its reply function forwards the intercepted request (path, headers, body) to
// the local fake server with fetch, and returns the fake's status, headers and body as the
// response. firebase-admin therefore parses real FCM-shaped HTTP answers, runs its own error
// mapping and its own 503 retries, while the fake records exactly what went over the wire.
// Net connect is disabled except for 127.0.0.1, so nothing can leak to the real service.
import { getApps } from "firebase-admin/app";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createFcmPushChannel,
  describeFcmError,
  type FcmPushChannel,
} from "../../../src/adapters/push/fcm-push-channel.ts";
import type { PushMessage } from "../../../src/core/ports.ts";
import type { Device } from "../../../src/core/types.ts";
import { type FakeFcmServer, fcmError, startFakeFcmServer } from "../../fakes/fake-fcm-server.ts";
import { sampleDevice } from "../../support/sample-device.ts";

const PROJECT_ID = "latchkey-test";
const PUSH_TOKEN = "fcm-token-abc123";
const SECRET = "Zq9-never-on-the-wire-738201";
const stubCredential = { getAccessToken: async () => ({ access_token: "t", expires_in: 3600 }) };

function device(overrides: Partial<Device> = {}): Device {
  return sampleDevice({ pushToken: PUSH_TOKEN, ...overrides });
}

/** A message carrying a stray passcode, as a careless caller might pass: it must not leak. */
function messageWithStrayPasscode(requestId: string): PushMessage {
  const m = { requestId, passcode: SECRET };
  return m;
}

function keysDeep(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) keysDeep(v, out);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keysDeep(v, out);
    }
  }
  return out;
}

const HOP_BY_HOP = new Set(["host", "content-length", "connection", "transfer-encoding"]);

let fake: FakeFcmServer;
let channel: FcmPushChannel;

beforeAll(async () => {
  fake = await startFakeFcmServer();
  nock.disableNetConnect();
  nock.enableNetConnect((host: string) => host.startsWith("127.0.0.1:"));
  nock("https://fcm.googleapis.com")
    .persist()
    .post(/.*/)
    .reply(async function (uri, body) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(this.req.headers)) {
        if (!HOP_BY_HOP.has(k.toLowerCase())) headers[k] = v;
      }
      const res = await fetch(`${fake.url}${uri}`, {
        method: "POST",
        headers,
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return [res.status, await res.text(), Object.fromEntries(res.headers)];
    });
  channel = createFcmPushChannel({ credential: stubCredential, projectId: PROJECT_ID });
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await channel?.close();
  nock.cleanAll();
  nock.enableNetConnect();
  await fake?.close();
});

describe("FCM push channel (firebase-admin against a local FCM v1 fake)", () => {
  it("sends one data-only, high-priority message with the request id and no passcode", async () => {
    const result = await channel.send(device(), messageWithStrayPasscode("rq_42"));

    expect(result).toEqual({ ok: true });
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe(`/v1/projects/${PROJECT_ID}/messages:send`);
    expect(req?.headers.authorization).toBe("Bearer t");
    expect(req?.body).toEqual({
      message: {
        token: PUSH_TOKEN,
        data: { type: "latchkey.command", requestId: "rq_42" },
        android: { priority: "high" },
        apns: {
          headers: { "apns-priority": "5", "apns-push-type": "background" },
          payload: { aps: { "content-available": 1 } },
        },
      },
    });
    expect(keysDeep(req?.body).filter((k) => /pass(code|word)|\bpin\b/i.test(k))).toEqual([]);
    expect(req?.rawBody).not.toContain(SECRET);
    // No notification block: a visible notification would show on a lost phone's lock screen.
    expect(keysDeep(req?.body)).not.toContain("notification");
  });

  it.each([
    {
      name: "404 UNREGISTERED",
      reply: fcmError(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"),
      kind: "unregistered",
      says: /no longer valid/,
    },
    {
      name: "400 INVALID_ARGUMENT",
      reply: fcmError(
        400,
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
        "INVALID_ARGUMENT",
      ),
      kind: "invalid",
      says: /invalid/,
    },
    {
      name: "403 SENDER_ID_MISMATCH",
      reply: fcmError(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH"),
      kind: "invalid",
      says: /different Firebase project/,
    },
    {
      name: "429 QUOTA_EXCEEDED",
      reply: fcmError(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", "QUOTA_EXCEEDED"),
      kind: "transient",
      says: /try again/,
    },
    {
      name: "500 INTERNAL",
      reply: fcmError(500, "INTERNAL", "Internal error encountered.", "INTERNAL"),
      kind: "transient",
      says: /try again/,
    },
  ])("maps $name to $kind with a plain sentence", async ({ reply, kind, says }) => {
    fake.queue(reply);

    const result = await channel.send(device(), { requestId: "rq_err" });

    expect(result).toMatchObject({ ok: false, kind });
    if (result.ok) throw new Error("expected a failure");
    expect(result.message).toMatch(says);
    expect(result.message).not.toMatch(/\bat .+:\d+|Error:|Raw server response|messaging\//);
    expect(fake.requests).toHaveLength(1);
  });

  it("maps a lasting 503 UNAVAILABLE to transient after firebase-admin's own retries", async () => {
    const unavailable = { ...fcmError(503, "UNAVAILABLE", "The service is unavailable."), retryAfterMs: 30 };
    fake.queue(unavailable, unavailable, unavailable, unavailable, unavailable);

    const result = await channel.send(device(), { requestId: "rq_503" });

    expect(result).toMatchObject({
      ok: false,
      kind: "transient",
      message: expect.stringMatching(/unavailable/),
    });
    // firebase-admin's default retry config: the first try plus 4 retries on 503.
    expect(fake.requests).toHaveLength(5);
  });

  it("succeeds when FCM recovers from a single 503 within firebase-admin's retry", async () => {
    fake.queue(fcmError(503, "UNAVAILABLE", "The service is unavailable."));

    const result = await channel.send(device(), { requestId: "rq_503_once" });

    expect(result).toEqual({ ok: true });
    expect(fake.requests).toHaveLength(2);
  });

  it("reports no_registration, without calling Firebase, for a device with no push token", async () => {
    const result = await channel.send(device({ pushToken: null }), { requestId: "rq_none" });

    expect(result).toMatchObject({ ok: false, kind: "no_registration", message: expect.any(String) });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("FCM error mapping for codes the fake cannot easily provoke", () => {
  it.each([
    ["messaging/invalid-registration-token", "invalid"],
    ["messaging/mismatched-credential", "invalid"],
    ["messaging/sender-id-mismatch", "invalid"],
    ["messaging/quota-exceeded", "transient"],
    ["messaging/unavailable", "transient"],
    ["messaging/server-unavailable", "transient"],
    ["messaging/internal-error", "transient"],
    ["app/network-error", "transient"],
    ["messaging/something-new", "transient"],
  ])("%s -> %s", (code, kind) => {
    const err = Object.assign(new Error("raw detail\n    at somewhere (file.js:1:1)"), { code });
    const result = describeFcmError(err);
    expect(result.kind).toBe(kind);
    expect(result.message).not.toContain("raw detail");
  });

  it("treats something that is not a Firebase error at all as transient", () => {
    expect(describeFcmError(new TypeError("boom")).kind).toBe("transient");
    expect(describeFcmError("weird").kind).toBe("transient");
  });
});

describe("FCM push channel lifecycle", () => {
  it("gives every channel its own firebase-admin app and deletes it on close", async () => {
    const before = new Set(getApps().map((a) => a.name));
    const a = createFcmPushChannel({ credential: stubCredential, projectId: PROJECT_ID, appName: "same" });
    const b = createFcmPushChannel({ credential: stubCredential, projectId: PROJECT_ID, appName: "same" });
    const added = getApps()
      .map((x) => x.name)
      .filter((n) => !before.has(n));
    expect(added).toHaveLength(2);
    expect(added.every((n) => n.startsWith("same-"))).toBe(true);

    await a.close();
    await b.close();
    await b.close(); // idempotent

    expect(getApps().map((x) => x.name)).toEqual([...before]);
    await expect(a.send(device(), { requestId: "rq_closed" })).rejects.toThrow(/after close/);
  });
});
