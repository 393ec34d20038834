// An auditor dumps every table after real use and looks for secrets: no passcode and no device
// secret or enrollment code may appear in any column as plain text. On each real database.
import { describe, expect, it } from "vitest";
import { enrollDevice, issueEnrollmentCode } from "../../src/core/enrollment.ts";
import { cancelReset } from "../../src/core/reset/cancel-reset.ts";
import { deliverPending } from "../../src/core/reset/deliver.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { sha256 } from "../../src/core/secrets.ts";
import type { Device } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

const TABLES = [
  "Person",
  "Device",
  "ResetRequest",
  "TimelineEvent",
  "AuditEntry",
  "Delivery",
  "PasscodeHistory",
  "JobRun",
] as const;

// Long passcodes, so a match can only mean a leak, never a coincidence with a timestamp or id.
const NUMERIC = { enforced: true, type: "numeric", minLength: 10, complexity: "medium" } as const;
const ALNUM = { enforced: true, type: "alphanumeric", minLength: 12, complexity: "high" } as const;

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

describe.each(targets)("no plaintext secrets at rest on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(people, [
        deviceInput({ passcodePolicy: NUMERIC }),
        deviceInput({
          id: "dev-bob",
          ownerEmail: "bob@example.com",
          name: "Bob's Pixel 7",
          passcodePolicy: ALNUM,
        }),
        deviceInput({ id: "dev-003", name: "Alice's work tablet", passcodePolicy: NUMERIC }),
      ]),
  });

  async function device(id: string): Promise<Device> {
    const d = await t().engine.stores.directory.device(id);
    if (!d) throw new Error(`device ${id} missing`);
    return d;
  }
  async function start(deviceId: string, notifyUser = true): Promise<string> {
    const r = await startReset(t().engine, {
      actorEmail: "ada@example.com",
      deviceId,
      notifyUser,
      surface: "slack",
    });
    if (r.status !== "started") throw new Error(`expected started, got ${r.status}`);
    return r.request.id;
  }
  async function pickUp(deviceId: string): Promise<string> {
    const command = await fetchPendingCommand(t().engine, await device(deviceId));
    if (!command?.passcode) throw new Error("no reset command");
    return command.passcode;
  }
  async function finish(deviceId: string, requestId: string): Promise<void> {
    const d = await device(deviceId);
    for (const step of ["passcode_reset", "locked"] as const) {
      expect(await reportDeviceStep(t().engine, d, requestId, { step })).toMatchObject({ ok: true });
    }
  }
  async function enroll(deviceId: string): Promise<string[]> {
    const issued = await issueEnrollmentCode(t().engine, deviceId);
    if (!issued.ok) throw new Error(issued.message);
    const enrolled = await enrollDevice(t().engine, {
      deviceId,
      code: issued.code,
      pushToken: `token-${deviceId}`,
    });
    if (!enrolled.ok) throw new Error(enrolled.message);
    return [issued.code, enrolled.deviceSecret];
  }

  /** Raw SQL bypasses the client's schema option: name PostgreSQL's per-test schema explicitly. */
  function table(name: string): string {
    const schema = /\(schema (.+)\)$/.exec(t().database.location)?.[1];
    return t().database.kind === "postgresql" && schema ? `"${schema}"."${name}"` : `"${name}"`;
  }

  /** Every cell of every table, as text, with where it came from. */
  async function dump(): Promise<{ where: string; text: string }[]> {
    const cells: { where: string; text: string }[] = [];
    for (const name of TABLES) {
      const rows = await t().database.db.$queryRawUnsafe<Record<string, unknown>[]>(
        `SELECT * FROM ${table(name)}`,
      );
      expect(rows.length, `table ${name} should hold rows`).toBeGreaterThan(0);
      for (const row of rows) {
        for (const [column, value] of Object.entries(row))
          cells.push({ where: `${name}.${column}`, text: cellText(value) });
      }
    }
    return cells;
  }

  it("stores only ciphertext and digests after full resets, failures, retries and a cancel", async () => {
    const deviceSecrets = [...(await enroll("dev-001")), ...(await enroll("dev-bob"))];
    const passcodes: string[] = [];

    // 1. Full reset, the first delivery failing with an error that quotes the passcode.
    const first = await start("dev-001");
    passcodes.push(await pickUp("dev-001"));
    t().sender.failures = [new Error(`mailbox rejected body with ${passcodes[0]}`)];
    await finish("dev-001", first);
    t().clock.advance(3_600_000);
    await deliverPending(t().engine);
    expect((await t().engine.stores.requests.get(first))?.state).toBe("completed");

    // 2. Two full resets of an alphanumeric device (its passcode history gets two digests).
    for (let i = 0; i < 2; i++) {
      const id = await start("dev-bob", false);
      passcodes.push(await pickUp("dev-bob"));
      await finish("dev-bob", id);
      expect((await t().engine.stores.requests.get(id))?.state).toBe("completed");
      t().clock.advance(60_000);
    }

    // 3. The device fails and quotes the passcode in its reason.
    const failing = await start("dev-003");
    const failingPasscode = await pickUp("dev-003");
    passcodes.push(failingPasscode);
    await reportDeviceStep(t().engine, await device("dev-003"), failing, {
      step: "failed",
      reason: `could not apply ${failingPasscode}`,
    });
    expect((await t().engine.stores.requests.get(failing))?.state).toBe("failed");

    // 4. A reset cancelled before pickup: its passcode was generated and stored, then erased.
    const cancelled = await start("dev-001");
    const cipher = await t().engine.stores.requests.passcodeCipher(cancelled);
    if (!cipher) throw new Error("no stored passcode");
    passcodes.push(t().engine.secrets.open(cipher));
    expect(
      (await cancelReset(t().engine, { actorEmail: "ada@example.com", requestId: cancelled, surface: "cli" }))
        .status,
    ).toBe("cancelled");

    expect(await t().engine.stores.jobs.claim("sweep@2026-11-27T11:00", "sweep", "test-host")).toBe(true);
    expect(new Set(passcodes).size).toBe(passcodes.length);
    expect(passcodes.every((p) => p.length >= 10)).toBe(true);

    const cells = await dump();
    const secrets = [...passcodes, ...deviceSecrets];
    const leaks = cells.flatMap((c) =>
      secrets.filter((x) => c.text.includes(x)).map((x) => `${c.where} holds ${x}`),
    );
    expect(leaks).toEqual([]);
    // The scan does see the redacted texts that quoted a passcode.
    expect(cells.filter((c) => c.text.includes("[redacted]")).map((c) => c.where)).toEqual(
      expect.arrayContaining(["ResetRequest.outcome", "TimelineEvent.detail", "AuditEntry.detail"]),
    );

    // The completed requests still hold their passcode (retention window), and so does the one
    // that failed after pickup (its device may have applied it), but only encrypted.
    const stored = await t().database.db.$queryRawUnsafe<{ passcodeCipher: string | null }[]>(
      `SELECT "passcodeCipher" FROM ${table("ResetRequest")} WHERE "passcodeCipher" IS NOT NULL`,
    );
    expect(stored).toHaveLength(4);
    // Device secrets are kept only as their SHA-256 digest.
    const secretHashes = await t().database.db.$queryRawUnsafe<{ secretHash: string | null }[]>(
      `SELECT "secretHash" FROM ${table("Device")} WHERE "secretHash" IS NOT NULL ORDER BY "id"`,
    );
    expect(secretHashes.map((r) => r.secretHash).sort()).toEqual(
      [deviceSecrets[1], deviceSecrets[3]].map((s) => sha256(s ?? "")).sort(),
    );
  });
});
