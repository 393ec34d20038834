// The device agent's HTTP API over a real node:http server and a real database: enrollment,
// device authentication, command pick-up, step reports, push tokens and the router's limits.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deviceRoutes } from "../../src/adapters/device-api/device-routes.ts";
import { issueEnrollmentCode } from "../../src/core/enrollment.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { createRouter, MAX_BODY_BYTES } from "../../src/http/router.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();
const DAY_MS = 24 * 3_600_000;

describe.each(targets)("device API on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(people, [
        deviceInput(),
        deviceInput({ id: "dev-002", ownerEmail: "bob@example.com", name: "Bob's Pixel 8" }),
      ]),
  });
  let server: Server;
  let base: string;

  beforeEach(async () => {
    server = createServer(createRouter(deviceRoutes(t().engine), t().engine.log));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  });

  const send = (method: string, path: string, body?: unknown, secret?: string) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(secret ? { authorization: `Bearer ${secret}` } : {}),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });

  async function code(deviceId = "dev-001"): Promise<string> {
    const issued = await issueEnrollmentCode(t().engine, deviceId);
    if (!issued.ok) throw new Error(issued.message);
    return issued.code;
  }

  async function enroll(deviceId = "dev-001"): Promise<string> {
    const res = await send("POST", "/device/v1/enroll", { deviceId, enrollmentCode: await code(deviceId) });
    expect(res.status).toBe(201);
    const { deviceSecret } = (await res.json()) as { deviceSecret: string };
    return deviceSecret;
  }

  async function reset(deviceId = "dev-001"): Promise<string> {
    const started = await startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId,
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(`reset not started: ${started.status}`);
    return started.request.id;
  }

  describe("enrollment", () => {
    it("exchanges a valid code for a device secret (201)", async () => {
      const res = await send("POST", "/device/v1/enroll", {
        deviceId: "dev-001",
        enrollmentCode: await code(),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { deviceSecret: unknown };
      expect(typeof body.deviceSecret).toBe("string");
      expect(String(body.deviceSecret).length).toBeGreaterThanOrEqual(32);
      expect((await t().engine.stores.directory.device("dev-001"))?.enrolled).toBe(true);
      expect(t().logs.join("")).not.toContain(String(body.deviceSecret));
    });

    it("refuses a wrong code (403)", async () => {
      await code();
      const res = await send("POST", "/device/v1/enroll", {
        deviceId: "dev-001",
        enrollmentCode: "not-the-right-code",
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/invalid\/expired enrollment code/);
      expect((await t().engine.stores.directory.device("dev-001"))?.enrolled).toBe(false);
    });

    it("refuses a code that was already used (403)", async () => {
      const once = await code();
      expect(
        (await send("POST", "/device/v1/enroll", { deviceId: "dev-001", enrollmentCode: once })).status,
      ).toBe(201);
      expect(
        (await send("POST", "/device/v1/enroll", { deviceId: "dev-001", enrollmentCode: once })).status,
      ).toBe(403);
    });

    it("refuses a code past its 24 hours (403)", async () => {
      const late = await code();
      t().clock.advance(DAY_MS + 1);
      expect(
        (await send("POST", "/device/v1/enroll", { deviceId: "dev-001", enrollmentCode: late })).status,
      ).toBe(403);
    });

    it("refuses a code issued for another device (403)", async () => {
      const other = await code("dev-002");
      expect(
        (await send("POST", "/device/v1/enroll", { deviceId: "dev-001", enrollmentCode: other })).status,
      ).toBe(403);
    });

    it("rejects a body without the code (400, naming the field)", async () => {
      const res = await send("POST", "/device/v1/enroll", { deviceId: "dev-001" });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain("enrollmentCode");
    });
  });

  describe("commands", () => {
    it("wants the device secret (401 without one or with a bad one)", async () => {
      expect((await send("GET", "/device/v1/commands/next")).status).toBe(401);
      expect((await send("GET", "/device/v1/commands/next", undefined, "x".repeat(43))).status).toBe(401);
      const res = await fetch(`${base}/device/v1/commands/next`, { headers: { authorization: "Basic abc" } });
      expect(res.status).toBe(401);
    });

    it("answers 204 when nothing is pending", async () => {
      const secret = await enroll();
      const res = await send("GET", "/device/v1/commands/next", undefined, secret);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
    });

    it("hands over the reset command with its passcode, never cached", async () => {
      const secret = await enroll();
      const requestId = await reset();
      const res = await send("GET", "/device/v1/commands/next", undefined, secret);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const { command } = (await res.json()) as { command: Record<string, unknown> };
      expect(command).toMatchObject({ requestId, type: "reset_passcode_and_lock" });
      expect(String(command.passcode)).toMatch(/^\d{6,16}$/);
      expect(new Date(String(command.expiresAt)).getTime()).toBe(t().clock.now().getTime() + DAY_MS);
      expect((await t().engine.stores.requests.get(requestId))?.state).toBe("received");
      expect(t().logs.join("")).not.toContain(String(command.passcode));
    });

    it("takes the device's step reports through to completion", async () => {
      const secret = await enroll();
      const requestId = await reset();
      await send("GET", "/device/v1/commands/next", undefined, secret);
      for (const step of ["received", "passcode_reset", "locked"]) {
        const res = await send("POST", `/device/v1/commands/${requestId}/reports`, { step }, secret);
        expect(res.status).toBe(200);
      }
      expect((await t().engine.stores.requests.get(requestId))?.state).toBe("completed");
      const again = await send(
        "POST",
        `/device/v1/commands/${requestId}/reports`,
        { step: "locked" },
        secret,
      );
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ state: "completed", changed: false });
    });

    it("rejects an invalid report body (400, naming the field)", async () => {
      const secret = await enroll();
      const requestId = await reset();
      for (const body of [{}, { step: 3 }, { step: "locked", reason: "x".repeat(2001) }]) {
        const res = await send("POST", `/device/v1/commands/${requestId}/reports`, body, secret);
        expect(res.status).toBe(400);
        const { error } = (await res.json()) as { error: string };
        expect(error).toMatch(/step|reason/);
      }
      const missing = await send(
        "POST",
        `/device/v1/commands/${requestId}/reports`,
        { reason: "why" },
        secret,
      );
      expect(((await missing.json()) as { error: string }).error).toContain("step");
    });

    it("rejects an unknown step (400)", async () => {
      const secret = await enroll();
      const requestId = await reset();
      const res = await send(
        "POST",
        `/device/v1/commands/${requestId}/reports`,
        { step: "exploded" },
        secret,
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain("step");
    });

    it("answers 404 for another device's request or an unknown one", async () => {
      const secret = await enroll("dev-001");
      const othersRequest = await reset("dev-002");
      const res = await send(
        "POST",
        `/device/v1/commands/${othersRequest}/reports`,
        { step: "received" },
        secret,
      );
      expect(res.status).toBe(404);
      expect((await t().engine.stores.requests.get(othersRequest))?.state).toBe("pushed");
      const unknown = await send("POST", "/device/v1/commands/rq_nope/reports", { step: "received" }, secret);
      expect(unknown.status).toBe(404);
    });
  });

  describe("push token", () => {
    it("stores the device's push token (204)", async () => {
      const secret = await enroll();
      const res = await send("PUT", "/device/v1/push-token", { token: "fcm-token-1" }, secret);
      expect(res.status).toBe(204);
      expect((await t().engine.stores.directory.device("dev-001"))?.pushToken).toBe("fcm-token-1");
    });

    it("wants the device secret (401) and a token (400)", async () => {
      expect((await send("PUT", "/device/v1/push-token", { token: "fcm-token-1" })).status).toBe(401);
      const secret = await enroll();
      const res = await send("PUT", "/device/v1/push-token", { token: "" }, secret);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain("token");
    });
  });

  describe("router", () => {
    it("refuses a body over 64 KiB (413), declared or streamed", async () => {
      const big = JSON.stringify({ deviceId: "dev-001", enrollmentCode: "x".repeat(MAX_BODY_BYTES) });
      expect((await send("POST", "/device/v1/enroll", big)).status).toBe(413);
      const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 8) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res = await fetch(`${base}/device/v1/enroll`, {
        method: "POST",
        body: stream,
        duplex: "half",
      } as RequestInit & { duplex: "half" });
      expect(res.status).toBe(413);
    });

    it("rejects a body that is not JSON (400)", async () => {
      const res = await send("POST", "/device/v1/enroll", "{not json");
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/not valid JSON/);
    });

    it("answers 404 for an unknown path and 405 for a wrong method", async () => {
      const unknown = await send("GET", "/device/v1/nope");
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: string }).error).toContain("/device/v1/nope");
      expect((await send("GET", "/device/v1/enroll")).status).toBe(405);
      expect((await send("DELETE", "/device/v1/push-token")).status).toBe(405);
    });

    // A malformed escape must not become a 500 and an error log line for any unauthenticated caller.
    it("answers a malformed path parameter with a 4xx, not a 500", async () => {
      const res = await send("POST", "/device/v1/commands/%E0%A4%A/reports", { step: "received" });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });
  });
});
