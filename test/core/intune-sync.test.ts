// The Intune inventory sync as a use case, fed plain pages of managedDevice records (the Graph
// source is tested through the real client in test/adapters/intune/): people found or created,
// devices with back-end intune and their facts, nothing written when nothing changed, devices gone
// retired (never deleted), agent devices never touched, one audit row per sync. On each database.
import { describe, expect, it } from "vitest";
import type { ManagedDeviceRecord } from "../../src/core/inventory/mdm-ports.ts";
import { syncIntune } from "../../src/core/inventory/sync-intune.ts";
import { assessDevice, deviceChoices } from "../../src/core/reset/device-choices.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { NO_USER_OWNER } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, type TestEngine, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

function record(id: string, overrides: Partial<ManagedDeviceRecord> = {}): ManagedDeviceRecord {
  return {
    id,
    deviceName: `Phone ${id}`,
    operatingSystem: "Android",
    osVersion: "14",
    ownerType: "company",
    deviceEnrollmentType: "androidEnterpriseFullyManaged",
    deviceType: "androidEnterprise",
    managementAgent: "mdm",
    lastSyncDateTime: "2026-11-27T08:00:00Z",
    userPrincipalName: "dana@example.com",
    emailAddress: "dana@example.com",
    userDisplayName: "Dana Diaz",
    ...overrides,
  };
}

/** Three pages as Graph would send them: a fully managed phone, a BYOD work profile, an iPhone, a kiosk. */
const PAGES: ManagedDeviceRecord[][] = [
  [
    record("0a1b-cosu"),
    record("0a1b-byod", {
      ownerType: "personal",
      deviceEnrollmentType: "userEnrollment",
      deviceType: "androidForWork",
      deviceName: "Dana's own Pixel",
    }),
  ],
  [
    record("0a1b-ios", {
      operatingSystem: "iOS",
      osVersion: "17.4.1",
      deviceEnrollmentType: "appleBulkWithUser",
      deviceType: "iPhone",
      userPrincipalName: "erin@corp.example.com",
      emailAddress: "erin@example.com",
      userDisplayName: "Erin Ek",
    }),
  ],
  [
    record("0a1b-kiosk", {
      deviceEnrollmentType: "androidEnterpriseDedicatedDevice",
      userPrincipalName: null,
      emailAddress: null,
      userDisplayName: null,
      lastSyncDateTime: "0001-01-01T00:00:00Z",
    }),
    record("0a1b-linux", { operatingSystem: "Linux" }),
  ],
];

async function* pagesOf(pages: ManagedDeviceRecord[][]): AsyncIterable<ManagedDeviceRecord[]> {
  for (const page of pages) yield page.map((r) => ({ ...r }));
}

async function* failingAfter(pages: ManagedDeviceRecord[][]): AsyncIterable<ManagedDeviceRecord[]> {
  yield* pagesOf(pages);
  throw new Error("Graph answered 503 on page 2");
}

const sync = (t: TestEngine, pages: ManagedDeviceRecord[][]) =>
  syncIntune(t.engine, pagesOf(pages), { actor: "operator", surface: "cli" });

/** Every table's row count and the newest update of the two the sync writes. */
async function snapshot(t: TestEngine) {
  const { db } = t.database;
  return {
    person: await db.person.count(),
    device: await db.device.count(),
    resetRequest: await db.resetRequest.count(),
    timelineEvent: await db.timelineEvent.count(),
    auditEntry: await db.auditEntry.count(),
    delivery: await db.delivery.count(),
    passcodeHistory: await db.passcodeHistory.count(),
    jobRun: await db.jobRun.count(),
    chatThread: await db.chatThread.count(),
    chatContact: await db.chatContact.count(),
    devices: await db.device.findMany({ orderBy: { id: "asc" } }),
    people: await db.person.findMany({ orderBy: { email: "asc" } }),
  };
}

const syncAudits = async (t: TestEngine) =>
  (await t.engine.stores.audit.list({})).filter((a) => a.action === "inventory.sync");

describe.each(targets)("Intune inventory sync on $name", (target) => {
  const t = useTestEngine(target, {
    // Alice has an agent device; Erin is known by her mail address only.
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(
        [...people, { email: "erin@example.com", name: "Erin (imported)" }],
        [deviceInput(), deviceInput({ id: "dev-erin", ownerEmail: "erin@example.com" })],
      ),
  });

  it("creates people and intune devices whose id is the managedDevice id, with their facts", async () => {
    const r = await sync(t(), PAGES);
    expect(r).toEqual({
      ok: true,
      counts: { added: 4, updated: 0, unchanged: 0, retired: 0, people: 2, skipped: 1 },
    });
    const { directory } = t().engine.stores;
    expect(await directory.device("0a1b-cosu")).toMatchObject({
      id: "0a1b-cosu",
      backend: "intune",
      ownerEmail: "dana@example.com",
      name: "Phone 0a1b-cosu",
      platform: "android",
      osVersion: "14",
      retiredAt: null,
      lastSeenAt: new Date("2026-11-27T08:00:00Z"),
      mdm: {
        enrollmentType: "androidEnterpriseFullyManaged",
        deviceType: "androidEnterprise",
        ownership: "company",
        lastSyncAt: new Date("2026-11-27T08:00:00Z"),
      },
    });
    expect((await directory.device("0a1b-byod"))?.mdm).toEqual({
      enrollmentType: "userEnrollment",
      deviceType: "androidForWork",
      ownership: "personal",
      lastSyncAt: new Date("2026-11-27T08:00:00Z"),
    });
    expect(await directory.person("dana@example.com")).toEqual({
      email: "dana@example.com",
      name: "Dana Diaz",
      role: "employee",
    });
    // A new UPN but a known mail address: the device is Erin's, no second Erin is created.
    expect(await directory.device("0a1b-ios")).toMatchObject({
      ownerEmail: "erin@example.com",
      platform: "ios",
    });
    expect(await directory.person("erin@corp.example.com")).toBeNull();
    expect(await directory.person("erin@example.com")).toMatchObject({ name: "Erin (imported)" });
    // No user: the reserved no-user person owns it; Intune's "never synced" is no date.
    expect(await directory.device("0a1b-kiosk")).toMatchObject({
      ownerEmail: NO_USER_OWNER.email,
      lastSeenAt: null,
      mdm: { enrollmentType: "androidEnterpriseDedicatedDevice", lastSyncAt: null },
    });
    expect(await directory.person(NO_USER_OWNER.email)).toMatchObject({ name: NO_USER_OWNER.name });
    // An operating system Latchkey does not handle is left out.
    expect(await directory.device("0a1b-linux")).toBeNull();
  });

  it("a second identical sync writes nothing but its audit row", async () => {
    await sync(t(), PAGES);
    const before = await snapshot(t());
    t().clock.advance(60_000);
    const r = await sync(t(), PAGES);
    expect(r).toEqual({
      ok: true,
      counts: { added: 0, updated: 0, unchanged: 4, retired: 0, people: 0, skipped: 1 },
    });
    const after = await snapshot(t());
    expect(after).toEqual({ ...before, auditEntry: before.auditEntry + 1 });
  });

  it("writes the changes of a later sync: a new owner, a new OS version, a new device", async () => {
    await sync(t(), PAGES);
    const changed = PAGES.map((page) =>
      page.map((r) =>
        r.id === "0a1b-cosu"
          ? {
              ...r,
              osVersion: "15",
              userPrincipalName: "alice@example.com",
              lastSyncDateTime: "2026-11-27T09:30:00Z",
            }
          : r,
      ),
    );
    changed[0]?.push(record("0a1b-new", { deviceName: "Fresh phone" }));
    const r = await sync(t(), changed);
    expect(r.counts).toMatchObject({ added: 1, updated: 1, unchanged: 3, retired: 0, people: 0 });
    expect(await t().engine.stores.directory.device("0a1b-cosu")).toMatchObject({
      ownerEmail: "alice@example.com",
      osVersion: "15",
      mdm: { lastSyncAt: new Date("2026-11-27T09:30:00Z") },
    });
  });

  it("a Latchkey not connected to Intune (no INTUNE_*) offers no Intune device: a start refused saying what to do, nothing pushed", async () => {
    const { engine, push } = t();
    await sync(t(), PAGES);
    const cosu = await engine.stores.directory.device("0a1b-cosu");
    if (!cosu) throw new Error("not synced");
    // What Intune allows is what the check shows (a dedicated device's passcode can be reset).
    expect(assessDevice(engine, cosu, null).reset.allowed).toBe(true);
    const choices = await deviceChoices(engine, {
      actorEmail: "ada@example.com",
      ownerEmail: cosu.ownerEmail,
      surface: "cli",
      purpose: "reset",
    });
    if (choices.status !== "ok") throw new Error(choices.status);
    const offered = choices.choices.find((c) => c.device.id === "0a1b-cosu");
    expect(offered).toMatchObject({ action: "none" });
    expect(offered?.refusal).toContain("this Latchkey is not connected to Intune");
    const started = await startReset(engine, {
      actorEmail: "ada@example.com",
      deviceId: "0a1b-cosu",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "refused") throw new Error(`expected refused, got ${started.status}`);
    expect(started.request.state).toBe("refused");
    expect(started.request.outcome).toContain("Use the Intune admin center");
    expect(await engine.stores.requests.passcodeCipher(started.request.id)).toBeNull();
    expect(push.sent).toEqual([]);
  });

  it("retires a device gone from Intune, keeps it and its history, and refuses to reset it", async () => {
    const { engine, database, clock } = t();
    await sync(t(), PAGES);
    await engine.stores.requests.create(
      {
        id: "rq_before_gone",
        kind: "lock",
        deviceId: "0a1b-byod",
        requestedBy: "ada@example.com",
        surface: "cli",
        notifyUser: false,
        state: "completed",
        expiresAt: new Date(clock.now().getTime() + 3_600_000),
        nextPushAt: null,
        passcodeCipher: null,
        idempotencyKeyHash: null,
        outcome: "Locked.",
        finishedAt: clock.now(),
      },
      [{ type: "requested", actor: "ada@example.com", detail: "Lock requested." }],
      {},
    );
    clock.advance(3_600_000);
    const without = PAGES.map((page) => page.filter((r) => r.id !== "0a1b-byod"));
    const r = await sync(t(), without);
    expect(r.counts).toMatchObject({ retired: 1, unchanged: 3 });
    const gone = await engine.stores.directory.device("0a1b-byod");
    expect(gone).toMatchObject({ backend: "intune", retiredAt: clock.now() });
    expect(await database.db.device.count({ where: { id: "0a1b-byod" } })).toBe(1);
    expect((await engine.stores.requests.events("rq_before_gone")).map((e) => e.type)).toEqual(["requested"]);

    const choices = await deviceChoices(engine, {
      actorEmail: "ada@example.com",
      ownerEmail: "dana@example.com",
      surface: "cli",
      purpose: "reset",
    });
    if (choices.status !== "ok") throw new Error(choices.status);
    const byod = choices.choices.find((c) => c.device.id === "0a1b-byod");
    expect(byod).toMatchObject({ action: "none" });
    expect(byod?.refusal).toMatch(/^Retired: no longer in Intune/);

    // Listed again later: it comes back.
    const back = await sync(t(), PAGES);
    expect(back.counts).toMatchObject({ updated: 1, retired: 0 });
    expect((await engine.stores.directory.device("0a1b-byod"))?.retiredAt).toBeNull();
  });

  it("never touches an agent device, of the same owner or with the same id as an Intune device", async () => {
    const { database } = t();
    await t().engine.stores.directory.upsertInventory(
      [],
      [deviceInput({ id: "0a1b-clash", ownerEmail: "erin@example.com" })],
    );
    const agentRows = () =>
      database.db.device.findMany({ where: { backend: "agent" }, orderBy: { id: "asc" } });
    const before = await agentRows();
    t().clock.advance(60_000);
    const pages = [
      ...PAGES,
      [record("0a1b-clash", { userPrincipalName: "erin@example.com", osVersion: "9" })],
    ];
    const r = await sync(t(), pages);
    expect(r.counts).toMatchObject({ added: 4, skipped: 2 });
    // Nothing Intune lists, and nothing it does not list, changes an agent device.
    expect(await sync(t(), [[record("0a1b-other")]])).toMatchObject({ ok: true, counts: { retired: 4 } });
    expect(await agentRows()).toEqual(before);
    expect(before.map((d) => d.id)).toEqual(["0a1b-clash", "dev-001", "dev-erin"]);
  });

  it("an inventory import naming an Intune device is refused whole: the sync keeps it", async () => {
    await sync(t(), PAGES);
    const { directory } = t().engine.stores;
    await expect(
      directory.upsertInventory([], [deviceInput({ id: "dev-new" }), deviceInput({ id: "0a1b-cosu" })]),
    ).rejects.toThrow(
      /Device 0a1b-cosu is managed through Intune .*latchkey sync intune.*Nothing was imported/,
    );
    expect(await directory.device("dev-new")).toBeNull();
    expect(await directory.device("0a1b-cosu")).toMatchObject({ backend: "intune", name: "Phone 0a1b-cosu" });
  });

  it("writes one audit row per sync with its counts; a sync cut short retires nothing and says so", async () => {
    await sync(t(), PAGES);
    const cut = await syncIntune(t().engine, failingAfter([PAGES[0] ?? []]), {
      actor: "scheduler",
      surface: "system",
    });
    expect(cut).toMatchObject({ ok: false, error: "Graph answered 503 on page 2" });
    expect(await t().database.db.device.count({ where: { retiredAt: { not: null } } })).toBe(0);
    expect((await syncAudits(t())).map((a) => [a.actor, a.surface, a.outcome, a.detail])).toEqual([
      [
        "operator",
        "cli",
        "ok",
        "Intune: 4 added, 0 updated, 0 unchanged, 0 retired, 2 people added, 1 skipped",
      ],
      [
        "scheduler",
        "system",
        "failed",
        "Intune: 0 added, 0 updated, 2 unchanged, 0 retired, 0 people added, 0 skipped before it stopped: Graph answered 503 on page 2",
      ],
    ]);
  });

  it("retires nothing when Intune lists no device at all, and says what to check", async () => {
    await sync(t(), PAGES);
    const empty = await sync(t(), [[]]);
    expect(empty).toMatchObject({
      ok: false,
      error: expect.stringContaining("Intune listed no devices while 4 are known"),
    });
    expect(await t().database.db.device.count({ where: { retiredAt: { not: null } } })).toBe(0);
    expect((await syncAudits(t())).at(-1)).toMatchObject({ outcome: "failed" });
  });
});
