// The CLI trusts --as (it is an operator console with database access), and its audit rows say so:
// an approval, a rejection, a refused approval and a cancellation taken from the CLI each have
// surface "cli" and a detail saying they were taken at the operator console on the word of --as. A
// cancel reason with control characters is stored as one clean line. On the embedded database,
// without a server, as an operator runs it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

const CONSOLE = "taken at the operator console on the word of --as";

describe("latchkey: CLI actions in the audit log", () => {
  let dir: string;
  let env: Record<string, string>;
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };
  const run = async (...args: string[]) => {
    out.length = 0;
    err.length = 0;
    return runCli(args, env, io);
  };
  const device = (id: string) => ({
    id,
    owner: "kim@example.com",
    name: `Kim's phone ${id}`,
    platform: "android",
    osVersion: "6.0.1",
    managementMode: "device_admin",
    passcodeSet: true,
  });
  const requestId = () => /(rq_[A-Za-z0-9_-]+)/.exec(out.join("\n"))?.[1] ?? "";
  async function auditRows(id: string) {
    expect(await run("audit", "--format", "json")).toBe(0);
    const rows = JSON.parse(out.join("\n")) as {
      actor: string;
      action: string;
      outcome: string;
      surface: string;
      requestId: string | null;
      detail: string;
    }[];
    return rows.filter((r) => r.requestId === id);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-cli-audit-"));
    // Port 1: no Latchkey server answers there (the push fails and is retried later; that is fine here).
    env = { DATA_DIR: dir, LOG_LEVEL: "silent", PORT: "1", REQUIRE_APPROVAL: "true", APPROVAL_TTL: "2h" };
    writeFileSync(
      join(dir, "fleet.json"),
      JSON.stringify({
        people: [
          { email: "ops@example.com", name: "Ops Lead", role: "admin" },
          { email: "second@example.com", name: "Second Admin", role: "admin" },
          { email: "kim@example.com", name: "Kim Lee" },
        ],
        devices: [device("fleet-1"), device("fleet-2"), device("fleet-3")],
      }),
    );
    expect(await run("import", join(dir, "fleet.json"))).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("an approval from the CLI says in its audit row that it was taken on the word of --as", async () => {
    expect(await run("reset", "fleet-1", "--as", "ops@example.com", "--no-follow")).toBe(0);
    const id = requestId();
    expect(await run("approve", id, "--as", "ops@example.com")).toBe(1);
    expect(await run("approve", id, "--as", "second@example.com")).toBe(0);
    const approvals = (await auditRows(id)).filter((r) => r.action === "approval.approve");
    expect(approvals.map((r) => [r.actor, r.outcome, r.surface])).toEqual([
      ["ops@example.com", "refused", "cli"],
      ["second@example.com", "ok", "cli"],
    ]);
    for (const row of approvals) expect(row.detail).toContain(CONSOLE);
    expect(approvals[1]?.detail).toBe(
      `approved the reset_and_lock request of ops@example.com (${CONSOLE}: the CLI does not authenticate who runs it)`,
    );
  });

  it("a rejection and a cancellation say so too; a cancel reason is stored as one clean line", async () => {
    expect(await run("reset", "fleet-2", "--as", "ops@example.com", "--no-follow")).toBe(0);
    const rejected = requestId();
    expect(await run("reject", rejected, "--as", "second@example.com", "--reason", "dup")).toBe(0);
    const reject = (await auditRows(rejected)).find((r) => r.action === "approval.reject");
    expect(reject).toMatchObject({ surface: "cli", outcome: "ok" });
    expect(reject?.detail).toContain(`Reason: dup (${CONSOLE}`);

    expect(await run("reset", "fleet-3", "--as", "ops@example.com", "--no-follow")).toBe(0);
    const cancelled = requestId();
    const reason = "found\u001b[2J it\r\nforged line\u202e";
    expect(await run("cancel", cancelled, "--as", "ops@example.com", "--reason", reason)).toBe(0);
    const cancel = (await auditRows(cancelled)).find((r) => r.action === "request.cancel");
    expect(cancel).toMatchObject({ surface: "cli", outcome: "ok" });
    expect(cancel?.detail).toBe(
      `cancelled in state awaiting_approval Reason: found [2J it forged line (${CONSOLE}: the CLI does not authenticate who runs it)`,
    );
  });
});
