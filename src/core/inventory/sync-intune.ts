// Use case: the Intune inventory sync. Reads the managed devices page by page (memory stays flat:
// one page, plus the ids seen so far to find the devices gone), compares each page with what is
// stored and writes only what changed, one transaction per page: new people (by UPN, then mail
// address), new and changed devices with back-end `intune` whose id is the managedDevice id. Once
// every page is read, the Intune devices it did not list are marked retired (never deleted: their
// history stays), with the sync's one audit row and its counts. Devices of other back-ends are
// never touched, even when Intune lists the same id. A sync cut short retires nothing.
import { type Engine, errorText } from "../engine.ts";
import { cleanFreeText } from "../free-text.ts";
import type { AuditInput, PersonInput } from "../ports.ts";
import { type Device, NO_USER_OWNER, type Surface } from "../types.ts";
import { intuneDevice, ownerCandidates, personName } from "./intune-records.ts";
import type { ManagedDeviceRecord, MdmDeviceWrite } from "./mdm-ports.ts";

export interface SyncCounts {
  added: number;
  updated: number;
  unchanged: number;
  retired: number;
  /** People created (existing people are found, never changed). */
  people: number;
  /** Records left out: no usable id, an operating system Latchkey does not handle, an id an agent device has. */
  skipped: number;
}

export type SyncResult = { ok: true; counts: SyncCounts } | { ok: false; counts: SyncCounts; error: string };

const RETIRE_WALK = 1000;

export function syncSummary(c: SyncCounts): string {
  return `${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged, ${c.retired} retired, ${c.people} people added, ${c.skipped} skipped`;
}

const same = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** Whether the stored device already says what Intune says now (nothing to write). */
function unchanged(stored: Device, next: MdmDeviceWrite): boolean {
  const m = stored.mdm;
  return (
    stored.retiredAt === null &&
    stored.ownerEmail === next.ownerEmail &&
    stored.name === next.name &&
    stored.platform === next.platform &&
    stored.osVersion === next.osVersion &&
    same(stored.lastSeenAt, next.lastSeenAt) &&
    m !== null &&
    m.enrollmentType === next.mdm.enrollmentType &&
    m.deviceType === next.mdm.deviceType &&
    m.ownership === next.mdm.ownership &&
    same(m.lastSyncAt, next.mdm.lastSyncAt)
  );
}

export async function syncIntune(
  engine: Engine,
  pages: AsyncIterable<ManagedDeviceRecord[]>,
  by: { actor: string; surface: Surface },
): Promise<SyncResult> {
  const store = engine.stores.mdmInventory;
  const counts: SyncCounts = { added: 0, updated: 0, unchanged: 0, retired: 0, people: 0, skipped: 0 };
  const seen = new Set<string>();
  const audit = (outcome: AuditInput["outcome"], detail: string): AuditInput => ({
    actor: by.actor,
    surface: by.surface,
    action: "inventory.sync",
    outcome,
    detail: `Intune: ${detail}`,
  });
  try {
    for await (const records of pages) await syncPage(engine, records, seen, counts);
    // Every page read: what Intune no longer lists is retired, with the sync's audit row.
    const gone: string[] = [];
    let after: string | null = null;
    for (;;) {
      const ids = await store.liveDeviceIds("intune", after, RETIRE_WALK);
      for (const id of ids) if (!seen.has(id)) gone.push(id);
      if (ids.length < RETIRE_WALK) break;
      after = ids[ids.length - 1] ?? null;
    }
    // An empty list from Intune is far likelier a wrong tenant or a permission removed than a
    // fleet gone overnight: it retires nothing, and the sync fails saying so.
    if (seen.size === 0 && gone.length > 0) {
      throw new Error(
        `Intune listed no devices while ${gone.length} are known: nothing was retired. Check INTUNE_TENANT_ID and the app's permissions.`,
      );
    }
    counts.retired = gone.length;
    const marked = await store.retireDevices(
      "intune",
      gone,
      engine.clock.now(),
      audit("ok", syncSummary(counts)),
    );
    if (marked !== gone.length)
      engine.log.warn({ expected: gone.length, marked }, "intune sync: retired fewer devices");
    engine.log.info({ ...counts }, "intune sync finished");
    return { ok: true, counts };
  } catch (err) {
    // What was written stays (each page is whole); nothing is retired from a partial list.
    const error = cleanFreeText(errorText(err), 300);
    engine.log.error({ ...counts, err: error }, "intune sync failed");
    await engine.stores.audit
      .append(audit("failed", `${syncSummary(counts)} before it stopped: ${error}`))
      .catch((e: unknown) => engine.log.error({ err: errorText(e) }, "intune sync: audit row not written"));
    return { ok: false, counts, error };
  }
}

/** Where a record's owner may be: its user (UPN, then mail), else the reserved no-user person. */
function ownersOf(r: ManagedDeviceRecord): string[] {
  const found = ownerCandidates(r);
  return found.length > 0 ? found : [NO_USER_OWNER.email];
}

async function syncPage(
  engine: Engine,
  records: ManagedDeviceRecord[],
  seen: Set<string>,
  counts: SyncCounts,
): Promise<void> {
  const store = engine.stores.mdmInventory;
  const fresh = records.filter((r) => {
    const id = typeof r.id === "string" ? r.id.trim() : "";
    if (seen.has(id)) return false; // listed twice (a page boundary moved): once is enough
    if (id) seen.add(id);
    return true;
  });
  const candidates = [...new Set(fresh.flatMap(ownersOf))];
  const known = new Set((await store.peopleByEmails(candidates)).map((p) => p.email));
  const people = new Map<string, PersonInput>();
  const wanted: MdmDeviceWrite[] = [];
  for (const r of fresh) {
    const tried = ownersOf(r);
    let owner = tried.find((email) => known.has(email) || people.has(email));
    if (!owner) {
      owner = tried[0] ?? NO_USER_OWNER.email;
      const name = owner === NO_USER_OWNER.email ? NO_USER_OWNER.name : personName(r, owner);
      people.set(owner, { email: owner, name });
    }
    const device = intuneDevice(r, owner);
    if (device) wanted.push(device);
    else counts.skipped++;
  }
  const stored = new Map((await store.devicesByIds(wanted.map((d) => d.id))).map((d) => [d.id, d]));
  const added: MdmDeviceWrite[] = [];
  const changed: MdmDeviceWrite[] = [];
  for (const d of wanted) {
    const before = stored.get(d.id);
    if (!before) added.push(d);
    else if (before.backend !== d.backend) {
      counts.skipped++;
      engine.log.warn(
        { deviceId: d.id, backend: before.backend },
        "intune sync: id taken by another back-end's device",
      );
    } else if (unchanged(before, d)) counts.unchanged++;
    else changed.push(d);
  }
  // Only the people a written device needs (a skipped device's user is not added).
  const needed = new Set([...added, ...changed].map((d) => d.ownerEmail));
  const newPeople = [...people.values()].filter((p) => needed.has(p.email));
  if (newPeople.length + added.length + changed.length === 0) return;
  await store.writeMdmPage({ people: newPeople, added, changed });
  counts.added += added.length;
  counts.updated += changed.length;
  counts.people += newPeople.length;
}
