// Refused device API calls reach the audit log, which is never pruned, as a few rows per client
// address and window, not one per call, and with every text the caller chose cut short and
// stripped of control characters: a flood of wrong enrollment codes with long, hostile device ids
// leaves one row at once and one summary (count, distinct ids, the first five). Past the cap on
// tracked addresses, refusals are counted into one "other addresses" row. Over real HTTP and a
// real database; the engine's clock is the test's, so windows close when the test says.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDeviceApi, type DeviceApi } from "../../../src/adapters/device-api/device-routes.ts";
import { createRefusalAudit, MAX_TEXT } from "../../../src/adapters/device-api/refusal-audit.ts";
import { loadConfig } from "../../../src/config.ts";
import { issueEnrollmentCode } from "../../../src/core/enrollment.ts";
import { createRouter } from "../../../src/http/router.ts";
import { dbTargets } from "../../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../../support/test-engine.ts";

const targets = await dbTargets();
const TEN_MINUTES = 600_000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the test looks for.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202e]/;

describe.each(targets)("refused device API calls in the audit log on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, [deviceInput()]),
  });
  let server: Server | undefined;
  let api: DeviceApi;
  let base = "";

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    server = undefined;
  });

  async function serve(rate: string): Promise<void> {
    const { deviceApiRate, trustProxyHops } = loadConfig({ DEVICE_API_RATE: rate, TRUST_PROXY_HOPS: "1" });
    api = createDeviceApi(t().engine, { rate: deviceApiRate });
    server = createServer(createRouter(api.routes, t().engine.log, { trustProxyHops }));
    await new Promise<void>((ok) => server?.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const enroll = (deviceId: string, from: string, enrollmentCode = "not-the-code-at-all") =>
    fetch(`${base}/device/v1/enroll`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": from },
      body: JSON.stringify({ deviceId, enrollmentCode }),
    }).then((r) => r.status);
  const badSecret = (from: string) =>
    fetch(`${base}/device/v1/commands/next`, {
      headers: { authorization: "Bearer not-a-secret-of-any-device", "x-forwarded-for": from },
    }).then((r) => r.status);

  const refusalRows = async () =>
    (await t().engine.stores.audit.list({})).filter((a) => a.outcome === "refused");

  it("writes one row at once and one summary per address and window, whatever the flood sends", async () => {
    await serve("120/m,100/m");
    const hostile = (i: number) => `\u001b\u0007\u202e${i}-${"x".repeat(150)}\r\nforged line ${i}`;
    const statuses: number[] = [];
    for (let i = 0; i < 37; i++)
      statuses.push(await enroll(i < 30 ? hostile(i % 12) : "dev-001", "198.51.100.7"));
    expect(statuses).toEqual(Array(37).fill(403));
    // Only the first is written while the window is open.
    const open = await refusalRows();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ action: "device.enroll", actor: "client:198.51.100.7" });
    expect(open[0]?.detail).toMatch(/enrollment refused from 198\.51\.100\.7 for device id "0-x{10,}/);
    expect(open[0]?.detail).toMatch(/until 10:10 UTC are counted in one row/);

    await api.flush();
    const rows = await refusalRows();
    expect(rows).toHaveLength(2);
    const summary = rows[1];
    expect(summary).toMatchObject({
      action: "device.refusals",
      actor: "client:198.51.100.7",
      deviceId: null,
    });
    expect(summary?.detail).toMatch(
      /^37 device API calls refused from 198\.51\.100\.7 between 2026-11-27 10:00 and 10:10 UTC \(37 enrollments\); 13 distinct device ids tried, the first 5 shown \(each cut at 64 characters\): /,
    );
    expect(summary?.detail).toMatch(/"0-x+…", "1-x+…", .*; the first was also audited on its own$/);
    // Every stored text: no control or direction characters, no id longer than the cap.
    for (const row of rows) {
      expect(row.detail).not.toMatch(CONTROL);
      expect((row.deviceId ?? "").length).toBeLessThanOrEqual(MAX_TEXT);
      for (const quoted of row.detail.match(/"[^"]*"/g) ?? []) {
        expect([...JSON.parse(quoted)].length).toBeLessThanOrEqual(MAX_TEXT);
      }
    }
    expect(rows.map((r) => r.detail).join("")).not.toContain("forged line");
  });

  it("counts invalid device secrets with the enrollments, per address, and closes a window on the next refusal after it", async () => {
    await serve("120/m,100/m");
    for (let i = 0; i < 4; i++) expect(await badSecret("198.51.100.7")).toBe(401);
    expect(await enroll("dev-001", "198.51.100.7")).toBe(403);
    expect(await badSecret("203.0.113.9")).toBe(401);
    const open = await refusalRows();
    expect(open.map((r) => [r.action, r.actor])).toEqual([
      ["device.authenticate", "client:198.51.100.7"],
      ["device.authenticate", "client:203.0.113.9"],
    ]);

    t().clock.advance(TEN_MINUTES);
    expect(await badSecret("203.0.113.9")).toBe(401);
    // The new window's first refusal is written at once; the closed window's summary soon after.
    await expect.poll(async () => (await refusalRows()).length).toBe(4);
    const rows = await refusalRows();
    const summary = rows.find((r) => r.action === "device.refusals");
    expect(summary?.detail).toMatch(
      /^5 device API calls refused from 198\.51\.100\.7 between 2026-11-27 10:00 and 10:10 UTC \(1 enrollment, 4 with a missing or invalid device secret\); 1 distinct device ids tried, all shown .*: "dev-001"/,
    );
    // 203.0.113.9 had one refusal in the first window: its own row says it all, no summary.
    expect(rows.filter((r) => r.actor === "client:203.0.113.9").map((r) => r.action)).toEqual([
      "device.authenticate",
      "device.authenticate",
    ]);
    await api.flush();
    expect(await refusalRows()).toHaveLength(4);
  });

  it("keeps the 429s and the allowance as they were: the refused calls past it are not tried", async () => {
    await serve("120/m,3/m");
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await enroll(`guess-${i}`, "198.51.100.7"));
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
    const issued = await issueEnrollmentCode(t().engine, "dev-001");
    if (!issued.ok) throw new Error(issued.message);
    expect(await enroll("dev-001", "198.51.100.8", issued.code)).toBe(201);
    await api.flush();
    expect((await refusalRows()).map((r) => r.action)).toEqual([
      "device.enroll",
      "device.rate_limited",
      "device.refusals",
    ]);
    expect((await refusalRows()).at(-1)?.detail).toMatch(/^3 device API calls refused .*\(3 enrollments\)/);
  });

  it("tracks a bounded number of addresses per window; the rest share one row", async () => {
    const audit = createRefusalAudit(t().engine, { maxAddresses: 3 });
    for (let i = 1; i <= 10; i++) await audit.refused(`192.0.2.${i}`, "enroll", `id-${i}`);
    await audit.refused("192.0.2.1", "secret");
    await audit.flush();
    const rows = await refusalRows();
    expect(rows.map((r) => r.actor)).toEqual([
      "client:192.0.2.1",
      "client:192.0.2.2",
      "client:192.0.2.3",
      "client:192.0.2.1",
      "client:other",
    ]);
    expect(rows.at(-1)?.detail).toMatch(
      /^7 device API calls refused from addresses beyond the first 3 of this window between .* \(7 enrollments\); 7 distinct device ids tried, the first 5 shown/,
    );
  });

  it("writes the summary when the window closes, with no further call", async () => {
    const audit = createRefusalAudit(t().engine, { windowMs: 300 });
    await audit.refused("192.0.2.1", "secret");
    await audit.refused("192.0.2.1", "secret");
    expect(await refusalRows()).toHaveLength(1);
    await expect
      .poll(async () => (await refusalRows()).map((r) => r.action), { timeout: 10_000 })
      .toEqual(["device.authenticate", "device.refusals"]);
    expect((await refusalRows()).at(-1)?.detail).toMatch(/^2 device API calls refused from 192\.0\.2\.1 /);
  });
});
