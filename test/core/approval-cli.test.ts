// The two-person rule from the operator CLI (REQUIRE_APPROVAL=true), on the embedded database
// without a server: `reset` says the request waits; `approve` by the requester is refused (exit
// 1); `approve` by a second admin goes on; `reject --reason` ends another request as rejected.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

describe("latchkey approve / reject", () => {
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

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-approval-cli-"));
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
        devices: [device("fleet-1"), device("fleet-2")],
      }),
    );
    expect(await run("import", join(dir, "fleet.json"))).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const requestId = () => /(rq_[A-Za-z0-9_-]+)/.exec(out.join("\n"))?.[1] ?? "";

  it("approve: refused for the requester and an employee, accepted from a second admin", async () => {
    expect(await run("reset", "fleet-1", "--as", "ops@example.com", "--no-follow")).toBe(0);
    expect(out.join("\n")).toContain("waits for a second admin's approval");
    const id = requestId();
    expect(id).not.toBe("");

    expect(await run("approve", id, "--as", "ops@example.com")).toBe(1);
    expect(err.join("\n")).toContain("a second admin must approve it");
    expect(await run("approve", id, "--as", "kim@example.com")).toBe(1);
    expect(err.join("\n")).toContain("Only IT admins can approve");
    // Without --as it is a usage error (the bin prints it and exits 2).
    await expect(run("approve", id)).rejects.toThrow("usage: latchkey approve <requestId> --as <adminEmail>");

    expect(await run("approve", id, "--as", "second@example.com")).toBe(0);
    expect(out.join("\n")).toContain(`Approved ${id}`);
    expect(await run("timeline", id)).toBe(0);
    const timeline = out.join("\n");
    expect(timeline).toContain("Waiting for a second admin's approval");
    expect(timeline).toContain("Approved by Second Admin (second@example.com) from the command line");
    expect(timeline).toMatch(/\bchecked\b.*set a new passcode/);

    expect(await run("audit", "--format", "json")).toBe(0);
    const rows = JSON.parse(out.join("\n")) as {
      actor: string;
      action: string;
      outcome: string;
      surface: string;
    }[];
    expect(
      rows.filter((r) => r.action === "approval.approve").map((r) => [r.actor, r.outcome, r.surface]),
    ).toEqual([
      ["ops@example.com", "refused", "cli"],
      ["kim@example.com", "refused", "cli"],
      ["second@example.com", "ok", "cli"],
    ]);
  });

  it("reject --reason ends the request as rejected", async () => {
    expect(await run("reset", "fleet-2", "--as", "ops@example.com", "--no-follow")).toBe(0);
    const id = requestId();
    expect(await run("reject", id, "--as", "second@example.com", "--reason", "duplicate ticket")).toBe(0);
    expect(out.join("\n")).toContain(`Rejected ${id}.`);
    expect(await run("timeline", id)).toBe(0);
    expect(out[0]).toContain(": rejected");
    expect(out.join("\n")).toContain("Reason: duplicate ticket");
    expect(await run("approve", id, "--as", "second@example.com")).toBe(1);
    expect(err.join("\n")).toContain("has already ended (rejected)");
  });
});
