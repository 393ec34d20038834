// Rotating PASSCODE_KEY as the README says: the current key moves to PASSCODE_KEY_PREVIOUS, a
// new PASSCODE_KEY is set, Latchkey restarts. A reset in flight at that moment (its passcode
// sealed with the old key) still completes and is delivered; new passcodes are sealed with the
// new key. Forgetting the old key fails the delivery with a clear, passcode-free timeline entry.
// Each "process" is the real composition root (config -> key -> stores -> engine) on one database.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { simpleParser } from "mailparser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { type Core, composeCore } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { createSecretBox } from "../../src/core/secrets.ts";
import type { Device } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people } from "../support/test-engine.ts";

const targets = await dbTargets();
const KEY_A = randomBytes(32).toString("hex");
const KEY_B = randomBytes(32).toString("base64");

describe.each(targets)("PASSCODE_KEY rotation on $name", (target) => {
  let dir: string;
  let dbUrl: string;
  let drop: () => Promise<void>;
  const open: Core[] = [];
  const logs: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-rotation-"));
    const db = await target.fresh();
    dbUrl = db.url;
    drop = db.drop;
    logs.length = 0;
  });
  afterEach(async () => {
    for (const core of open.splice(0)) await core.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One Latchkey process's core, started with these keys (pushes accepted and forgotten). */
  async function start(keys: Record<string, string>): Promise<Core> {
    const config = loadConfig({
      DATA_DIR: dir,
      DATABASE_URL: dbUrl,
      DEMO_INVENTORY: "false",
      SIMULATED_DEVICES: "true",
      ...keys,
    });
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    const core = await composeCore(config, createLogger("trace", sink), {
      push: { send: async () => ({ ok: true }) },
    });
    open.push(core);
    return core;
  }

  async function stop(core: Core): Promise<void> {
    open.splice(open.indexOf(core), 1);
    await core.close();
  }

  async function device(core: Core): Promise<Device> {
    const d = await core.engine.stores.directory.device("dev-001");
    if (!d) throw new Error("dev-001 missing");
    return d;
  }

  /**
   * Under the old key: a reset the phone has picked up and applied but not yet reported locked
   * (or, with `pickedUp: false`, one still waiting for the phone). Returns the passcode.
   */
  async function resetInFlight(opts = { pickedUp: true }): Promise<{ requestId: string; passcode: string }> {
    const before = await start({ PASSCODE_KEY: KEY_A });
    await before.engine.stores.directory.upsertInventory(people, [deviceInput()]);
    const started = await startReset(before.engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(`reset not started: ${started.status}`);
    const requestId = started.request.id;
    const sealed = await before.engine.stores.requests.passcodeCipher(requestId);
    expect(sealedWith(sealed)).toBe(before.engine.secrets.keyId);
    const passcode = before.engine.secrets.open(sealed ?? "");
    if (opts.pickedUp) {
      expect((await fetchPendingCommand(before.engine, await device(before)))?.passcode).toBe(passcode);
      for (const step of ["received", "passcode_reset"] as const) {
        const reported = await reportDeviceStep(before.engine, await device(before), requestId, { step });
        expect(reported).toMatchObject({ ok: true });
      }
    }
    await stop(before);
    return { requestId, passcode };
  }

  async function outbox(): Promise<string[]> {
    const folder = join(dir, "outbox");
    const files = readdirSync(folder).filter((f) => f.endsWith(".eml"));
    return Promise.all(
      files.map(async (f) => (await simpleParser(readFileSync(join(folder, f)))).text ?? ""),
    );
  }

  it("completes a reset sealed with the old key after a restart with PASSCODE_KEY_PREVIOUS", async () => {
    const { requestId, passcode } = await resetInFlight();

    const after = await start({ PASSCODE_KEY: KEY_B, PASSCODE_KEY_PREVIOUS: KEY_A });
    const locked = await reportDeviceStep(after.engine, await device(after), requestId, { step: "locked" });
    expect(locked).toMatchObject({ ok: true });

    const request = await after.engine.stores.requests.get(requestId);
    expect(request?.state).toBe("completed");
    expect(request?.outcome).toContain("passcode sent to ada@example.com");
    const mails = await outbox();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain(passcode);

    // A new reset is sealed with the new key, which alone opens it.
    const next = await startReset(after.engine, {
      actorEmail: "ada@example.com",
      deviceId: "dev-001",
      notifyUser: false,
      surface: "cli",
    });
    if (next.status !== "started") throw new Error(`second reset not started: ${next.status}`);
    const sealed = await after.engine.stores.requests.passcodeCipher(next.request.id);
    expect(sealedWith(sealed)).toBe(after.engine.secrets.keyId);
    expect(sealedWith(sealed)).toBe(createSecretBox(Buffer.from(KEY_B, "base64")).keyId);
    expect(createSecretBox(Buffer.from(KEY_B, "base64")).open(sealed ?? "")).toMatch(/^\d{6,}$/);
    expect(logs.join("")).not.toContain(passcode);
  });

  it("hands the phone a command sealed before the restart, and delivers it", async () => {
    const { requestId, passcode } = await resetInFlight({ pickedUp: false });

    const after = await start({
      PASSCODE_KEY: KEY_B,
      PASSCODE_KEY_PREVIOUS: `${randomBytes(32).toString("hex")},${KEY_A}`,
    });
    expect((await fetchPendingCommand(after.engine, await device(after)))?.passcode).toBe(passcode);
    for (const step of ["received", "passcode_reset", "locked"] as const) {
      expect(await reportDeviceStep(after.engine, await device(after), requestId, { step })).toMatchObject({
        ok: true,
      });
    }
    expect((await after.engine.stores.requests.get(requestId))?.state).toBe("completed");
    expect(await outbox()).toEqual([expect.stringContaining(passcode)]);
  });

  it("without the old key, fails the delivery with a clear, passcode-free entry in the timeline", async () => {
    const { requestId, passcode } = await resetInFlight();

    const after = await start({ PASSCODE_KEY: KEY_B });
    const locked = await reportDeviceStep(after.engine, await device(after), requestId, { step: "locked" });
    expect(locked).toMatchObject({ ok: true });

    const events = await after.engine.stores.requests.events(requestId);
    const failed = events.find((e) => e.type === "delivery_failed");
    expect(failed?.detail).toMatch(/Could not send the passcode by email to ada@example.com/);
    expect(failed?.detail).toMatch(/PASSCODE_KEY_PREVIOUS/);
    const request = await after.engine.stores.requests.get(requestId);
    expect(request?.state).toBe("completed");
    expect(request?.outcome).toMatch(/could not be delivered/);
    const deliveries = await after.engine.stores.deliveries.forRequest(requestId);
    expect(deliveries.map((d) => d.status)).toEqual(["failed"]);

    const audit = await after.engine.stores.audit.list({});
    const everything = [
      ...events.map((e) => e.detail),
      request?.outcome ?? "",
      ...audit.map((a) => a.detail),
      ...deliveries.map((d) => JSON.stringify(d)),
      logs.join(""),
    ].join("\n");
    expect(everything).not.toContain(passcode);
    expect(readdirSync(dir)).not.toContain("outbox");
  });
});

function sealedWith(sealed: string | null): string | undefined {
  return sealed?.split(":")[1];
}
