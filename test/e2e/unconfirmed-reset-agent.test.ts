// Issue 16's first acceptance, as a device agent and an operator would see it: an agent that
// reports "passcode_reset" and then "failed" over the device API leaves the passcode in the
// admin's email (the embedded outbox), with words that say the device may not have applied it;
// a "locked" report that comes after the end is answered 200 and recorded. Everything real:
// SQLite, HTTP, the CLI's enrollment code, the outbox.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/log/logger.ts";
import { runCli } from "../../src/cli/main.ts";
import { type Running, startLatchkey } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { MANAGED_ANDROID } from "../support/sample-device.ts";

describe("a device agent that fails after setting the passcode", () => {
  let dir: string;
  let running: Running;
  let env: Record<string, string>;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-unconfirmed-"));
    env = { DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", DEMO_INVENTORY: "false", LOG_LEVEL: "silent" };
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    running = await startLatchkey(loadConfig(env), createLogger("trace", sink));
    env.PORT = new URL(running.url).port;
    await running.core.engine.stores.directory.upsertInventory(
      [
        { email: "ada@example.com", name: "Ada Admin", role: "admin" },
        { email: "felix@example.com", name: "Felix Field" },
      ],
      [
        {
          id: "agent-phone",
          ownerEmail: "felix@example.com",
          name: "Felix's Pixel",
          ...MANAGED_ANDROID,
          lastSeenAt: new Date(),
        },
      ],
    );
  });
  afterAll(async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit & { secret?: string } = {}) =>
    fetch(`${running.url}/device/v1${path}`, {
      ...init,
      headers: {
        "content-type": "application/json",
        ...(init.secret ? { authorization: `Bearer ${init.secret}` } : {}),
      },
    });

  async function outbox(): Promise<{ to: string; subject: string; text: string }[]> {
    let files: string[] = [];
    try {
      files = readdirSync(join(dir, "outbox")).filter((f) => f.endsWith(".eml"));
    } catch {
      return [];
    }
    const mails = [];
    for (const f of files) {
      const m = await simpleParser(readFileSync(join(dir, "outbox", f)));
      const to = Array.isArray(m.to) ? (m.to[0]?.text ?? "") : (m.to?.text ?? "");
      mails.push({ to, subject: m.subject ?? "", text: m.text ?? "" });
    }
    return mails;
  }

  it("leaves the passcode in the admin's email, once, and records a late 'locked'", async () => {
    const printed: string[] = [];
    const io = { out: (t: string) => void printed.push(t), err: (t: string) => void printed.push(t) };
    expect(await runCli(["enroll-code", "agent-phone"], env, io)).toBe(0);
    const code = printed.join("\n").trim().split("\n").at(-1) ?? "";
    const enrolled = await api("/enroll", {
      method: "POST",
      body: JSON.stringify({ deviceId: "agent-phone", enrollmentCode: code }),
    });
    expect(enrolled.status).toBe(201);
    const { deviceSecret } = (await enrolled.json()) as { deviceSecret: string };

    const started = await startReset(running.core.engine, {
      actorEmail: "ada@example.com",
      deviceId: "agent-phone",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(`not started: ${started.status}`);
    const id = started.request.id;

    const next = await api("/commands/next", { secret: deviceSecret });
    expect(next.status).toBe(200);
    const { command } = (await next.json()) as { command: { passcode: string } };
    const report = (step: string, reason?: string) =>
      api(`/commands/${id}/reports`, {
        method: "POST",
        secret: deviceSecret,
        body: JSON.stringify({ step, ...(reason ? { reason } : {}) }),
      });
    expect((await report("passcode_reset")).status).toBe(200);
    const failed = await report("failed", "the keyguard refused to lock");
    expect(failed.status).toBe(200);
    expect(await failed.json()).toEqual({ state: "failed", changed: true });

    const mails = await outbox();
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail?.to).toContain("ada@example.com");
    expect(mail?.subject).toContain("the device did not confirm it");
    expect(/New passcode:\s+(\S+)/.exec(mail?.text ?? "")?.[1]).toBe(command.passcode);
    expect(mail?.text).toContain("may or may not have applied this passcode");

    // The phone comes back online after the end and says it locked: answered, recorded, no second mail.
    const late = await report("locked");
    expect(late.status).toBe(200);
    expect(await late.json()).toEqual({ state: "failed", changed: false });
    expect(await outbox()).toHaveLength(1);

    printed.length = 0;
    expect(await runCli(["timeline", id], env, io)).toBe(0);
    const timeline = printed.join("\n");
    expect(timeline).toContain(
      "the keyguard refused to lock. The device had picked up the new passcode and may have applied it: it is sent privately to ada@example.com.",
    );
    expect(timeline).toContain("After the request had failed, the device reported that it is locked.");
    expect(timeline).not.toContain(command.passcode);
    expect(logs.join("")).not.toContain(command.passcode);
  });
});
