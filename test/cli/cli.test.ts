// The operator CLI on the embedded database, without a server: import, listing, audit export.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

describe("latchkey CLI", () => {
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

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-cli-"));
    // Port 1: no Latchkey server answers there, as when an operator runs the CLI alone.
    env = { DATA_DIR: dir, LOG_LEVEL: "silent", PORT: "1" };
    writeFileSync(
      join(dir, "fleet.json"),
      JSON.stringify({
        people: [
          { email: "Ops@Example.com", name: "Ops Lead", role: "admin" },
          { email: "kim@example.com", name: "Kim Lee" },
        ],
        devices: [
          {
            id: "fleet-1",
            owner: "kim@example.com",
            name: "Kim's phone",
            platform: "android",
            osVersion: "6.0.1",
            managementMode: "device_admin",
            passcodeSet: true,
          },
        ],
      }),
    );
    writeFileSync(
      join(dir, "fleet.csv"),
      "id,owner,ownerName,name,platform,osVersion,managementMode,passcodePolicy.enforced,passcodeSet\n" +
        "fleet-2,kim@example.com,Kim Lee,Kim's tablet,ipados,17.1,mdm,yes,true\n",
    );
    writeFileSync(
      join(dir, "bad.csv"),
      "id,owner,name,platform,osVersion,managementMode,passcodeSet\n" +
        "fleet-3,kim@example.com,ok,android,9,device_admin,false\n" +
        "fleet-4,kim@example.com,bad,blackberry,9,device_admin,perhaps\n",
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("imports JSON and CSV, twice without duplicates", async () => {
    expect(await run("import", join(dir, "fleet.json"))).toBe(0);
    expect(out.join("\n")).toMatch(/Imported 2 people and 1 devices/);
    expect(await run("import", join(dir, "fleet.json"))).toBe(0);
    expect(await run("import", join(dir, "fleet.csv"))).toBe(0);
    expect(await run("devices", "--owner", "kim@example.com")).toBe(0);
    const rows = out
      .join("\n")
      .split("\n")
      .filter((l) => l.startsWith("fleet-"));
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.startsWith("fleet-1"))).toMatch(/yes/);
    expect(rows.find((r) => r.startsWith("fleet-2"))).toMatch(/\bno\b/);
  });

  it("refuses a bad file with the line and field at fault, importing nothing from it", async () => {
    expect(await run("import", join(dir, "bad.csv"))).toBe(1);
    const message = err.join("\n");
    expect(message).toMatch(/nothing was changed/);
    expect(message).toMatch(/line 3, column platform/);
    expect(message).toMatch(/line 3, column passcodeSet/);
    expect(await run("check", "fleet-3")).toBe(1);
    expect(err.join("\n")).toMatch(/No device with id "fleet-3"/);
  });

  it("resets without a server: the request waits, and says why", async () => {
    expect(await run("reset", "fleet-1", "--as", "ops@example.com", "--no-follow")).toBe(0);
    const id = /(rq_[0-9a-f]+)/.exec(out.join("\n"))?.[1] ?? "";
    expect(await run("timeline", id)).toBe(0);
    expect(out.join("\n")).toMatch(/push_failed\s+.*not reachable/);
    expect(await run("reset", "fleet-1", "--as", "ops@example.com", "--no-follow")).toBe(1);
    expect(err.join("\n")).toMatch(new RegExp(`already in progress for this device \\(${id}`));
    expect(await run("cancel", id, "--as", "kim@example.com")).toBe(1);
    expect(await run("cancel", id, "--as", "ops@example.com", "--reason", "found it")).toBe(0);
    expect(await run("requests")).toBe(0);
    expect(out.join("\n")).toMatch(new RegExp(`${id}.*cancelled`));
  });

  it("exports the audit log as CSV and JSON, with refusals in it", async () => {
    expect(await run("audit", "--format", "json")).toBe(0);
    const rows = JSON.parse(out.join("\n")) as { action: string; outcome: string; actor: string }[];
    expect(rows.some((r) => r.action === "inventory.import" && r.outcome === "ok")).toBe(true);
    expect(
      rows.some(
        (r) => r.action === "authorize.cancel" && r.outcome === "refused" && r.actor === "kim@example.com",
      ),
    ).toBe(true);
    expect(rows.some((r) => r.action === "request.cancel")).toBe(true);
    expect(await run("audit", "--since", "2000-01-01")).toBe(0);
    expect(out[0]).toBe("id,at,actor,surface,action,outcome,deviceId,requestId,detail");
    expect(out.length).toBe(rows.length + 1);
    await expect(run("audit", "--since", "yesterday-ish")).rejects.toThrow(/is not a date/);
  });

  it("an employee cannot reset someone else's device, and the refusal is audited", async () => {
    expect(await run("reset", "fleet-1", "--as", "stranger@example.com")).toBe(1);
    expect(err.join("\n")).toMatch(/not known to Latchkey/);
  });
});
