// The device API's rate limits over real HTTP and a real database: a device that keeps to its
// rate is never refused; a burst past it gets 429 with Retry-After, changes nothing, and passes
// once the wait is over; a flood of bad secrets from one address is refused before the secrets
// are looked at and audited once per window, while other devices, and other addresses, go on.
// Short configured rates keep it fast. Calls go out through node:http so that a test can speak
// from a second loopback address (127.0.0.2) as another client.
import { randomBytes } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { deviceRoutes } from "../../../src/adapters/device-api/device-routes.ts";
import { loadConfig } from "../../../src/config.ts";
import { enrollDevice, issueEnrollmentCode } from "../../../src/core/enrollment.ts";
import { startReset } from "../../../src/core/reset/start-reset.ts";
import { clientKey, createRateLimiter } from "../../../src/http/rate-limit.ts";
import { createRouter } from "../../../src/http/router.ts";
import { dbTargets } from "../../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../../support/test-engine.ts";

const targets = await dbTargets();
const OTHER_ADDRESS = "127.0.0.2";

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { error?: string; retryAfterSeconds?: number; deviceSecret?: string; state?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(targets)("device API rate limits on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(people, [
        deviceInput(),
        deviceInput({ id: "dev-002", ownerEmail: "bob@example.com", name: "Bob's Pixel 8" }),
        deviceInput({ id: "dev-003", ownerEmail: "bob@example.com", name: "Bob's tablet" }),
      ]),
  });
  let server: Server | undefined;
  let port = 0;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    server = undefined;
  });

  /** Serves the device API with DEVICE_API_RATE set to `rate`, read by the real config parser. */
  async function serve(rate: string, env: Record<string, string> = {}): Promise<void> {
    const { deviceApiRate, trustProxyHops } = loadConfig({ DEVICE_API_RATE: rate, ...env });
    const routes = deviceRoutes(t().engine, { rate: deviceApiRate });
    server = createServer(createRouter(routes, t().engine.log, { trustProxyHops }));
    await new Promise<void>((ok) => server?.listen(0, "127.0.0.1", ok));
    port = (server.address() as AddressInfo).port;
  }

  function call(
    method: string,
    path: string,
    opts: { body?: unknown; secret?: string; from?: string; forwardedFor?: string } = {},
  ): Promise<Answer> {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    return new Promise((ok, fail) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method,
          path,
          localAddress: opts.from ?? "127.0.0.1",
          agent: false,
          headers: {
            ...(payload ? { "content-type": "application/json" } : {}),
            ...(opts.secret ? { authorization: `Bearer ${opts.secret}` } : {}),
            ...(opts.forwardedFor ? { "x-forwarded-for": opts.forwardedFor } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const header = res.headers["retry-after"];
            ok({
              status: res.statusCode ?? 0,
              retryAfter: Array.isArray(header) ? header[0] : header,
              body: text ? JSON.parse(text) : {},
            });
          });
        },
      );
      req.on("error", fail);
      req.end(payload);
    });
  }

  async function enroll(deviceId: string, from = "127.0.0.1"): Promise<string> {
    const issued = await issueEnrollmentCode(t().engine, deviceId);
    if (!issued.ok) throw new Error(issued.message);
    const res = await call("POST", "/device/v1/enroll", {
      body: { deviceId, enrollmentCode: issued.code },
      from,
    });
    expect(res.status).toBe(201);
    return res.body.deviceSecret ?? "";
  }

  async function reset(deviceId: string): Promise<string> {
    const started = await startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId,
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(`reset not started: ${started.status}`);
    return started.request.id;
  }

  async function throttleAudits() {
    return (await t().engine.stores.audit.list({})).filter((a) => a.action === "device.rate_limited");
  }

  const next = (secret: string, from?: string) => call("GET", "/device/v1/commands/next", { secret, from });

  it("never refuses a device that keeps to its rate, from a full burst to a steady poll", async () => {
    await serve("10/s");
    const secret = await enroll("dev-001");
    await sleep(150); // the enrollment spent a call; let it come back
    const burst = await Promise.all(Array.from({ length: 10 }, () => next(secret)));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(204));
    for (let i = 0; i < 12; i++) {
      await sleep(120); // a little slower than 10 a second
      expect((await next(secret)).status).toBe(204);
    }
    expect(await throttleAudits()).toEqual([]);
  });

  it("answers a burst past the limit with 429 and Retry-After, changes nothing, then lets it through", async () => {
    await serve("3/s");
    const secret = await enroll("dev-001"); // the first of its 3 calls a second
    const other = await enroll("dev-002");
    const requestId = await reset("dev-001");
    const burst: Answer[] = [];
    while (burst.length < 10 && burst.at(-1)?.status !== 429) burst.push(await next(secret));
    expect(burst.slice(0, 2).map((r) => r.status)).toEqual([200, 200]);
    const refused = burst.at(-1);
    expect(refused?.status).toBe(429);
    expect(refused?.retryAfter).toBe("1");
    expect(refused?.body.retryAfterSeconds).toBe(1);
    expect(refused?.body.error).toMatch(
      /Too many calls from this device \(limit 3 per second\)\. Try again in 1 s\./,
    );

    const report = (step: string) =>
      call("POST", `/device/v1/commands/${requestId}/reports`, { body: { step }, secret });
    const refusedReport = await report("passcode_reset");
    expect(refusedReport.status).toBe(429);
    expect(refusedReport.retryAfter).toBe("1");
    expect((await t().engine.stores.requests.get(requestId))?.state).toBe("received");

    // Another device is not held back by this one's burst.
    expect((await next(other)).status).toBe(204);

    // One audit row and one warning for the window, not one per refused call.
    const audits = await throttleAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actor: "device:dev-001",
      deviceId: "dev-001",
      surface: "device",
      outcome: "refused",
    });
    expect(
      t()
        .logs.join("")
        .match(/device API rate limit reached/g),
    ).toHaveLength(1);

    await sleep(Number(refusedReport.retryAfter) * 1000);
    const passed = await report("passcode_reset");
    expect(passed.status).toBe(200);
    expect(passed.body.state).toBe("passcode_reset");
  });

  it("answers a flood of bad secrets from one address with 429, audited once per window; valid devices still pass", async () => {
    await serve("120/m,5/m");
    const seen = await enroll("dev-001");
    expect((await next(seen)).status).toBe(204);
    // dev-003 holds a valid secret but has not called this process yet.
    const issued = await issueEnrollmentCode(t().engine, "dev-003");
    if (!issued.ok) throw new Error(issued.message);
    const quiet = await enrollDevice(t().engine, { deviceId: "dev-003", code: issued.code });
    if (!quiet.ok) throw new Error(quiet.message);

    // All at once: only as many failures as the address may have get a 401; the rest a 429.
    const flood = await Promise.all(
      Array.from({ length: 30 }, () => next(randomBytes(32).toString("base64url"))),
    );
    expect(flood.filter((r) => r.status === 401)).toHaveLength(5);
    expect(flood.filter((r) => r.status === 429)).toHaveLength(25);
    const refused = flood.find((r) => r.status === 429);
    expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused?.retryAfter)).toBeLessThanOrEqual(12);
    expect(refused?.body.error).toMatch(/from this address \(limit 5 per minute\)/);

    const audits = await throttleAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: "client:127.0.0.1", deviceId: null, outcome: "refused" });
    expect(audits[0]?.detail).toMatch(/127\.0\.0\.1 over 5 per minute/);

    // A valid secret is still accepted from this address (a device behind the same proxy or NAT
    // as the flood is never locked out) ...
    expect((await next(quiet.deviceSecret)).status).toBe(204);
    expect(
      (
        await call("POST", "/device/v1/enroll", {
          body: { deviceId: "dev-002", enrollmentCode: "x".repeat(24) },
        })
      ).status,
    ).toBe(429);
    // ... while a failed enrollment from it is refused, a device already seen goes on, and so
    // does every other address.
    expect((await next(seen)).status).toBe(204);
    expect((await next(quiet.deviceSecret, OTHER_ADDRESS)).status).toBe(204);
    expect(await enroll("dev-002", OTHER_ADDRESS)).not.toBe("");
    expect(await throttleAudits()).toHaveLength(1);
  });

  it("counts failed enrollments, not successful ones, against the address", async () => {
    await serve("120/m,3/m");
    // More successful enrollments than the address may fail: none is refused.
    for (const id of ["dev-001", "dev-002", "dev-003", "dev-001", "dev-002"]) await enroll(id);
    const bad = (deviceId: string) =>
      call("POST", "/device/v1/enroll", { body: { deviceId, enrollmentCode: "not-the-code-at-all" } });
    expect((await bad("dev-001")).status).toBe(403);
    expect((await call("POST", "/device/v1/enroll", { body: { deviceId: "dev-001" } })).status).toBe(400);
    expect((await bad("dev-002")).status).toBe(403);
    const refused = await bad("dev-003");
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    // The first refusal of the address is audited at once, the second is counted for the window's
    // summary (refusal-audit.test.ts); the throttled one is not tried.
    const refusals = (await t().engine.stores.audit.list({})).filter(
      (a) => a.action === "device.enroll" && a.outcome === "refused",
    );
    expect(refusals.map((a) => a.deviceId)).toEqual(["dev-001"]);
    expect(await throttleAudits()).toHaveLength(1);
  });
  it("behind a trusted proxy (TRUST_PROXY_HOPS=1), counts failures per caller, not per proxy; a forged header buys nothing", async () => {
    const bad = (forwardedFor: string) =>
      call("POST", "/device/v1/enroll", {
        body: { deviceId: "dev-001", enrollmentCode: "not-the-code-at-all" },
        forwardedFor,
      });
    await serve("120/m,2/m", { TRUST_PROXY_HOPS: "1" });
    // Every call reaches Latchkey from the proxy (127.0.0.1), which appends its caller's address.
    expect((await bad("198.51.100.7")).status).toBe(403);
    expect((await bad("198.51.100.7")).status).toBe(403);
    expect((await bad("198.51.100.7")).status).toBe(429);
    // The same caller writing its own X-Forwarded-For first: the proxy's entry still counts.
    expect((await bad("192.0.2.1, 198.51.100.7")).status).toBe(429);
    // Another caller behind the same proxy has its own allowance.
    expect((await bad("198.51.100.8")).status).toBe(403);
    const audits = await throttleAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: "client:198.51.100.7", outcome: "refused" });

    // Without TRUST_PROXY_HOPS the header is not believed: all callers share the proxy's allowance.
    server?.closeAllConnections();
    await new Promise<void>((ok) => server?.close(() => ok()));
    await serve("120/m,2/m");
    expect((await bad("198.51.100.9")).status).toBe(403);
    expect((await bad("198.51.100.10")).status).toBe(403);
    expect((await bad("198.51.100.11")).status).toBe(429);
    expect((await throttleAudits()).at(-1)).toMatchObject({ actor: "client:127.0.0.1" });
  });

  it("lets any number of enrollments and first calls from one address run at once: only failures spend its allowance", async () => {
    await serve("120/m,2/m");
    // A fleet behind one NAT after a restart: twenty agents enroll at once, twenty more (enrolled
    // before, unknown to this process) make their first call at once.
    const fleet = Array.from({ length: 40 }, (_, i) =>
      deviceInput({
        id: `nat-${String(i).padStart(2, "0")}`,
        ownerEmail: "bob@example.com",
        name: `Phone ${i}`,
      }),
    );
    await t().engine.stores.directory.upsertInventory(people, fleet);
    const codes = await Promise.all(
      fleet.slice(0, 20).map(async (d) => {
        const issued = await issueEnrollmentCode(t().engine, d.id);
        if (!issued.ok) throw new Error(issued.message);
        return { deviceId: d.id, enrollmentCode: issued.code };
      }),
    );
    const known = await Promise.all(
      fleet.slice(20).map(async (d) => {
        const issued = await issueEnrollmentCode(t().engine, d.id);
        if (!issued.ok) throw new Error(issued.message);
        const done = await enrollDevice(t().engine, { deviceId: d.id, code: issued.code });
        if (!done.ok) throw new Error(done.message);
        return done.deviceSecret;
      }),
    );
    const [enrolled, first] = await Promise.all([
      Promise.all(codes.map((body) => call("POST", "/device/v1/enroll", { body }))),
      Promise.all(known.map((secret) => next(secret))),
    ]);
    expect(enrolled.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(first.map((r) => r.status)).toEqual(Array(20).fill(204));
    expect(await throttleAudits()).toEqual([]);
    // The allowance is whole: two failures pass as such, the third is refused.
    const bad = () =>
      call("POST", "/device/v1/enroll", {
        body: { deviceId: "dev-001", enrollmentCode: "not-the-code-at-all" },
      });
    expect((await Promise.all([bad(), bad(), bad()])).map((r) => r.status).sort()).toEqual([403, 403, 429]);
  });
});

describe("token bucket", () => {
  it("refills continuously and says how long to wait", () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 10_000 }, { now: () => now });
    expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a")).toMatchObject({ ok: false, retryAfterSeconds: 5, firstInWindow: true });
    now = 4_000;
    expect(limiter.take("a")).toMatchObject({ ok: false, retryAfterSeconds: 1, firstInWindow: false });
    now = 5_000;
    expect(limiter.peek("a")).toBe(true);
    expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.peek("a")).toBe(false); // peeking spends nothing
    expect(limiter.take("a")).toMatchObject({ ok: false });
    expect(limiter.peek("b")).toBe(true);
    expect(limiter.size).toBe(1); // nor does it make a bucket
    expect(limiter.take("b")).toEqual({ ok: true });
  });

  it("gives back a reserved token, and reports a refusal once per window", () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000 }, { now: () => now });
    expect(limiter.take("a", "owner-a")).toEqual({ ok: true });
    limiter.refund("a");
    expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a")).toMatchObject({ ok: false, firstInWindow: true, owner: "owner-a" });
    expect(limiter.take("a")).toMatchObject({ ok: false, firstInWindow: false });
    now = 999;
    expect(limiter.take("a")).toMatchObject({ ok: false, firstInWindow: false });
    now = 1000;
    expect(limiter.take("a")).toEqual({ ok: true });
    limiter.refund("a");
    limiter.refund("a");
    expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a")).toMatchObject({ ok: false, firstInWindow: true });
  });

  it("keeps memory bounded: idle buckets go, and past maxKeys the least recently used", () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 5, windowMs: 1000 }, { now: () => now, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(100);
    expect(limiter.has("k999")).toBe(true);
    expect(limiter.has("k0")).toBe(false);
    now = 1001;
    limiter.take("fresh");
    expect(limiter.size).toBe(1);
    expect(limiter.has("k999")).toBe(false);
  });

  it("keys IPv6 clients by their /64 and IPv4-mapped addresses as IPv4", () => {
    expect(clientKey("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(clientKey("10.1.2.3")).toBe("10.1.2.3");
    expect(clientKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:0DB8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey(undefined)).toBe("unknown");
  });
});
