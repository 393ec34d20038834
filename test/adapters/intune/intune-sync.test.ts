// The Intune sync through the real Graph client and token library, against the local HTTPS Graph
// and token stand-in (test/support/fake-graph.ts): paging with @odata.nextLink, the beta
// deviceType joined to the v1.0 records, people and devices written, a device gone retired, a
// Graph failure part-way retiring nothing. And `latchkey sync intune` as an operator runs it: a
// real process with NODE_EXTRA_CA_CERTS, the INTUNE_* settings and the embedded database.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/adapters/db/open-database.ts";
import { DEVICE_TYPES_PATH, MANAGED_DEVICES_PATH } from "../../../src/adapters/intune/intune-inventory.ts";
import { type IntuneWiring, intuneWiring } from "../../../src/adapters/intune/intune-wiring.ts";
import { dbTargets } from "../../support/databases.ts";
import { type FakeGraph, managedDevice, startFakeGraph } from "../../support/fake-graph.ts";
import { deviceInput, people, useTestEngine } from "../../support/test-engine.ts";

const targets = await dbTargets();
const execFileP = promisify(execFile);

const FLEET = [
  managedDevice({
    id: "md-1",
    userPrincipalName: "dana@example.com",
    emailAddress: "dana@example.com",
    userDisplayName: "Dana Diaz",
  }),
  managedDevice({
    id: "md-2",
    userPrincipalName: "dana@example.com",
    emailAddress: "dana@example.com",
    managedDeviceOwnerType: "personal",
    ownerType: "personal",
    deviceEnrollmentType: "userEnrollment",
    deviceType: "androidForWork",
  }),
  managedDevice({
    id: "md-3",
    userPrincipalName: "alice@example.com",
    emailAddress: "alice@example.com",
    deviceEnrollmentType: "userEnrollment",
    deviceType: "android",
    osVersion: "6.0.1",
  }),
  managedDevice({
    id: "md-4",
    userPrincipalName: "",
    emailAddress: "",
    userDisplayName: "",
    deviceType: "androidEnterprise",
  }),
  managedDevice({
    id: "md-5",
    operatingSystem: "iOS",
    osVersion: "17.5",
    deviceType: "iPhone",
    userPrincipalName: "erin@example.com",
    emailAddress: "erin@example.com",
    userDisplayName: "Erin Ek",
  }),
];

describe.each(targets)("Intune sync through the Graph client on $name", (target) => {
  let graph: FakeGraph;
  let intune: IntuneWiring;
  const t = useTestEngine(target, {
    seed: ({ engine }) => engine.stores.directory.upsertInventory(people, [deviceInput()]),
  });

  beforeEach(async () => {
    graph = await startFakeGraph({ pageSize: 2 });
    graph.addDevices(FLEET);
    const settings = {
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      graphUrl: graph.url,
      authorityUrl: graph.url,
      syncEveryMs: 3_600_000,
    };
    const wiring = intuneWiring(settings, t().engine.log, { ca: graph.ca });
    if (!wiring) throw new Error("no wiring");
    intune = wiring;
  });
  afterEach(async () => {
    await graph.close();
  });

  const sync = () => intune.sync(t().engine, { actor: "operator", surface: "cli" });
  const listed = (path: string) => graph.requests.filter((r) => r.method === "GET" && r.path === path);

  it("reads every page of both endpoints and writes people and intune devices with the beta deviceType", async () => {
    const r = await sync();
    expect(r).toEqual({
      ok: true,
      counts: { added: 5, updated: 0, unchanged: 0, retired: 0, people: 3, skipped: 0 },
    });
    // 5 devices, 2 a page: 3 pages of each endpoint, one token for all of them.
    expect(listed("/v1.0/deviceManagement/managedDevices")).toHaveLength(3);
    expect(listed("/beta/deviceManagement/managedDevices")).toHaveLength(3);
    expect(graph.requests.filter((q) => /^\/(v1\.0|beta)\//.test(q.path)).every((q) => q.authorized)).toBe(
      true,
    );
    expect(graph.tokenRequests).toBe(1);
    expect(MANAGED_DEVICES_PATH).toContain("managedDeviceOwnerType");
    expect(DEVICE_TYPES_PATH).toBe("/beta/deviceManagement/managedDevices?$select=id,deviceType");

    const { directory } = t().engine.stores;
    expect(await directory.device("md-2")).toMatchObject({
      backend: "intune",
      ownerEmail: "dana@example.com",
      mdm: { enrollmentType: "userEnrollment", deviceType: "androidForWork", ownership: "personal" },
    });
    expect((await directory.device("md-3"))?.mdm?.deviceType).toBe("android");
    expect(await directory.device("md-3")).toMatchObject({
      ownerEmail: "alice@example.com",
      osVersion: "6.0.1",
    });
    expect(await directory.device("md-4")).toMatchObject({ ownerEmail: "no-user@intune.invalid" });
    expect(await directory.device("md-5")).toMatchObject({ platform: "ios", mdm: { deviceType: "iPhone" } });
    // Alice's agent device is still hers and still an agent device.
    expect(await directory.device("dev-001")).toMatchObject({ backend: "agent", mdm: null, retiredAt: null });
  });

  it("a later sync writes what changed and retires what Intune no longer lists", async () => {
    await sync();
    graph.updateDevice("md-1", { deviceName: "Dana's new name" });
    graph.removeDevice("md-5");
    t().clock.advance(60_000);
    const r = await sync();
    expect(r.counts).toMatchObject({ added: 0, updated: 1, unchanged: 3, retired: 1, people: 0 });
    const { directory } = t().engine.stores;
    expect((await directory.device("md-1"))?.name).toBe("Dana's new name");
    expect((await directory.device("md-5"))?.retiredAt).toEqual(t().clock.now());
  });

  it("a Graph refusal stops the sync: nothing is retired, the failed audit row says why, no secret anywhere", async () => {
    await sync();
    graph.removeDevice("md-5");
    // Forbidden is not worth retrying: the client gives up at once.
    graph.fault({ status: 403, method: "GET", path: "/v1.0/deviceManagement/managedDevices" });
    const r = await sync();
    expect(r.ok).toBe(false);
    expect(await t().database.db.device.count({ where: { retiredAt: { not: null } } })).toBe(0);
    const audits = await t().engine.stores.audit.list({});
    expect(audits.filter((a) => a.action === "inventory.sync").at(-1)).toMatchObject({
      outcome: "failed",
      detail: expect.stringMatching(/^Intune: 0 added, .* before it stopped: .*Forbidden/),
    });
    expect(JSON.stringify(audits)).not.toContain(graph.clientSecret);
    expect(t().logs.join("")).not.toContain(graph.clientSecret);
  });
});

describe("latchkey sync intune (a real process)", () => {
  let graph: FakeGraph;
  let dir: string;
  beforeEach(async () => {
    // The settings are checked as in production: the tenant and client ids are GUIDs.
    graph = await startFakeGraph({ pageSize: 2, tenantId: randomUUID(), clientId: randomUUID() });
    graph.addDevices(FLEET.slice(0, 3));
    dir = mkdtempSync(join(tmpdir(), "latchkey-sync-cli-"));
  });
  afterEach(async () => {
    await graph.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (env: Record<string, string>) =>
    execFileP(process.execPath, ["--import", "tsx", "src/cli/main.ts", "sync", "intune"], {
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dir, LOG_LEVEL: "warn", PORT: "1", ...env },
      timeout: 60_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? -1,
        stdout: err.stdout ?? "",
        stderr: err.stderr ?? "",
      }),
    );

  it("imports the devices and their users, trusting the Graph's CA through NODE_EXTRA_CA_CERTS", async () => {
    const run = await cli({ ...graph.env(), NODE_EXTRA_CA_CERTS: graph.caPath });
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(
      "Intune sync: 3 added, 0 updated, 0 unchanged, 0 retired, 2 people added, 0 skipped.",
    );
    const again = await cli({ ...graph.env(), NODE_EXTRA_CA_CERTS: graph.caPath });
    expect(again.stdout).toContain("0 added, 0 updated, 3 unchanged");
    expect(`${run.stdout}${run.stderr}${again.stdout}${again.stderr}`).not.toContain(graph.clientSecret);

    const database = await openDatabase(`file:${join(dir, "latchkey.db")}`);
    try {
      const devices = await database.db.device.findMany({ orderBy: { id: "asc" } });
      expect(devices.map((d) => [d.id, d.backend, d.ownerEmail])).toEqual([
        ["md-1", "intune", "dana@example.com"],
        ["md-2", "intune", "dana@example.com"],
        ["md-3", "intune", "alice@example.com"],
      ]);
      const audits = await database.db.auditEntry.findMany({ where: { action: "inventory.sync" } });
      expect(audits.map((a) => [a.surface, a.outcome])).toEqual([
        ["cli", "ok"],
        ["cli", "ok"],
      ]);
    } finally {
      await database.close();
    }
  });

  it("says Intune is not configured when no INTUNE_* setting is given", async () => {
    const run = await cli({});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Intune is not configured: set INTUNE_TENANT_ID/);
  });
});
