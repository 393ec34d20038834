// `latchkey resend`: a passcode whose every delivery failed is kept (its device may hold it), and
// an admin at the operator console sends it again once the mail server takes it. Real SMTP (an
// in-process server that refuses the recipient until told otherwise), real SQLite, the real CLI.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";
import { composeCore } from "../../src/compose.ts";
import { loadConfig } from "../../src/config.ts";
import { fetchPendingCommand, reportDeviceStep } from "../../src/core/reset/device-commands.ts";
import { startReset } from "../../src/core/reset/start-reset.ts";
import { startSmtp, type TestSmtp } from "../adapters/mail/helpers.ts";
import { MANAGED_ANDROID } from "../support/sample-device.ts";

describe("latchkey resend", () => {
  let dir: string;
  let smtp: TestSmtp;
  let core: Awaited<ReturnType<typeof composeCore>>;
  let env: Record<string, string>;
  let refuse = true;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-resend-"));
    smtp = await startSmtp({
      onRcptTo(_address, _session, cb) {
        if (refuse) cb(Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }));
        else cb();
      },
    });
    env = {
      DATA_DIR: dir,
      DEMO_INVENTORY: "false",
      LOG_LEVEL: "silent",
      SMTP_URL: `smtp://localhost:${smtp.port}`,
    };
    core = await composeCore(
      loadConfig(env),
      (await import("../../src/adapters/log/logger.ts")).createLogger("silent"),
    );
    await core.engine.stores.directory.upsertInventory(
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
    await core.close();
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends a passcode nobody received once the mail server takes it, and only for an admin", async () => {
    const engine = core.engine;
    const started = await startReset(engine, {
      actorEmail: "ada@example.com",
      deviceId: "agent-phone",
      notifyUser: false,
      surface: "cli",
    });
    if (started.status !== "started") throw new Error(started.status);
    const device = await engine.stores.directory.device("agent-phone");
    if (!device) throw new Error("no device");
    const command = await fetchPendingCommand(engine, device);
    await reportDeviceStep(engine, device, started.request.id, { step: "passcode_reset" });
    await reportDeviceStep(engine, device, started.request.id, { step: "failed", reason: "keyguard error" });
    const [refused] = await engine.stores.deliveries.forRequest(started.request.id);
    expect(refused?.status).toBe("failed");
    expect(smtp.inbox).toHaveLength(0);

    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
    expect(await runCli(["resend", started.request.id, "--as", "felix@example.com"], env, io)).toBe(1);
    expect(out.join("\n")).toContain("Only IT admins");
    expect(smtp.inbox).toHaveLength(0);

    refuse = false;
    out.length = 0;
    expect(await runCli(["resend", started.request.id, "--as", "ada@example.com"], env, io)).toBe(0);
    expect(out.join("\n")).toBe("Sent privately to ada@example.com (email).");
    expect(smtp.inbox).toHaveLength(1);
    expect(smtp.inbox[0]?.text).toContain(command?.passcode ?? "no passcode");
    expect(out.join("\n")).not.toContain(command?.passcode ?? "no passcode");

    out.length = 0;
    expect(await runCli(["resend", started.request.id, "--as", "ada@example.com"], env, io)).toBe(1);
    expect(out.join("\n")).toContain("nothing to send again");
  });
});
