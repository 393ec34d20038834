// What the reset form offers (each of a person's devices with what would be done and why not),
// and who may see which requests and their timelines. Every look is decided by the same rules as
// the actions and leaves an audit row. On each real database.
import { describe, expect, it } from "vitest";
import { type DeviceChoice, deviceChoices } from "../../src/core/reset/device-choices.ts";
import { recentRequests, requestDetails } from "../../src/core/reset/request-status.ts";
import { reportLostDevice, startReset } from "../../src/core/reset/start-reset.ts";
import type { AuditEntry } from "../../src/core/types.ts";
import { dbTargets } from "../support/databases.ts";
import { deviceInput, people, useTestEngine } from "../support/test-engine.ts";

const targets = await dbTargets();

const APPLE = /Apple devices have no command to set a new passcode/;
const ADMIN_7 = /Android 7\+ does not let a Device Administrator change an existing passcode/;

describe.each(targets)("device choices and request status on $name", (target) => {
  const t = useTestEngine(target, {
    seed: ({ engine }) =>
      engine.stores.directory.upsertInventory(
        [...people, { email: "carol@example.com", name: "Carol Empty" }],
        [
          deviceInput(), // dev-001: Alice's Pixel 8, device owner, token active
          deviceInput({
            id: "dev-a9",
            name: "Alice's old Galaxy",
            osVersion: "9",
            managementMode: "device_admin",
            passcodeSet: true,
          }),
          deviceInput({
            id: "dev-iphone",
            name: "Alice's iPhone",
            platform: "ios",
            osVersion: "17.4",
            managementMode: "mdm",
          }),
          deviceInput({ id: "dev-bob", ownerEmail: "bob@example.com", name: "Bob's Pixel 7" }),
        ],
      ),
  });

  const choices = (actorEmail: string, ownerEmail: string, purpose: "reset" | "report_lost" = "reset") =>
    deviceChoices(t().engine, { actorEmail, ownerEmail, surface: "slack", purpose });
  const summary = (c: DeviceChoice) => [c.device.id, c.action, c.refusal === null];
  async function audits(action: string): Promise<AuditEntry[]> {
    return (await t().engine.stores.audit.list({})).filter((a) => a.action === action);
  }

  describe("deviceChoices", () => {
    it("shows an admin every device of the person, refused ones with the reason and nothing to do", async () => {
      const r = await choices("ada@example.com", " Alice@Example.com ");
      expect(r.status).toBe("ok");
      if (r.status !== "ok") return;
      expect(r.owner).toEqual({ email: "alice@example.com", name: "Alice Ng", role: "employee" });
      expect(r.choices.map(summary)).toEqual([
        ["dev-001", "reset_and_lock", true],
        ["dev-a9", "none", false],
        ["dev-iphone", "none", false],
      ]);
      const [pixel, galaxy, iphone] = r.choices;
      expect(pixel?.capability.reset.allowed).toBe(true);
      expect(pixel?.active).toBeNull();
      expect(galaxy?.refusal).toMatch(ADMIN_7);
      expect(galaxy?.capability.lock.allowed).toBe(true); // the form can still say a lock is possible
      expect(iphone?.refusal).toMatch(APPLE);
      expect(await audits("authorize.reset")).toEqual([
        expect.objectContaining({ actor: "ada@example.com", outcome: "allowed", surface: "slack" }),
      ]);
    });

    it("lets a configured admin who is not in the inventory list devices too", async () => {
      const r = await choices("root@example.com", "bob@example.com");
      expect(r.status === "ok" && r.choices.map(summary)).toEqual([["dev-bob", "reset_and_lock", true]]);
    });

    it("refuses an employee listing someone else's devices and records the attempt", async () => {
      for (const purpose of ["reset", "report_lost"] as const) {
        const r = await choices("bob@example.com", "alice@example.com", purpose);
        expect(r).toEqual({ status: "not_allowed", message: expect.stringMatching(/someone else's device/) });
      }
      const rows = (await t().engine.stores.audit.list({})).filter((a) => a.action.startsWith("authorize."));
      expect(rows).toHaveLength(2);
      expect(rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: "bob@example.com",
            action: "authorize.reset",
            outcome: "refused",
          }),
          expect.objectContaining({
            actor: "bob@example.com",
            action: "authorize.report_lost",
            outcome: "refused",
          }),
        ]),
      );
    });

    it("lets an employee report their own device lost: reset where possible, else lock", async () => {
      const r = await choices("alice@example.com", "alice@example.com", "report_lost");
      expect(r.status).toBe("ok");
      if (r.status !== "ok") return;
      expect(r.choices.map(summary)).toEqual([
        ["dev-001", "reset_and_lock", true],
        ["dev-a9", "lock", true],
        ["dev-iphone", "lock", true],
      ]);
      // The iPhone cannot have its passcode reset; the form says why, and that a lock is what happens.
      const iphone = r.choices[2];
      expect(iphone?.capability.reset.reason).toMatch(APPLE);
      expect(iphone?.capability.lock.allowed).toBe(true);
      expect(await audits("authorize.report_lost")).toEqual([
        expect.objectContaining({ actor: "alice@example.com", outcome: "allowed" }),
      ]);
      // And starting it does what the form said.
      const started = await reportLostDevice(t().engine, {
        actorEmail: "alice@example.com",
        deviceId: "dev-iphone",
        surface: "slack",
      });
      expect(started.status === "started" && started.request.kind).toBe("lock");
    });

    it("tells an employee that only admins reset passcodes, even on their own device", async () => {
      const r = await choices("alice@example.com", "alice@example.com", "reset");
      expect(r).toEqual({ status: "not_allowed", message: expect.stringMatching(/report it lost instead/) });
    });

    it("refuses someone unknown to Latchkey", async () => {
      const r = await choices("mallory@example.com", "alice@example.com");
      expect(r).toEqual({ status: "not_allowed", message: expect.stringMatching(/not known to Latchkey/) });
      expect(await audits("authorize.reset")).toEqual([
        expect.objectContaining({ actor: "mallory@example.com", outcome: "refused" }),
      ]);
    });

    it("says when the person is not in the inventory, or has no devices", async () => {
      expect(await choices("ada@example.com", "nobody@example.com")).toEqual({
        status: "unknown_person",
        message: expect.stringContaining("nobody@example.com is not in Latchkey's inventory"),
      });
      expect(await choices("ada@example.com", "carol@example.com")).toEqual({
        status: "no_devices",
        owner: { email: "carol@example.com", name: "Carol Empty", role: "employee" },
        message: "Carol Empty has no devices in the inventory.",
      });
      // An employee cannot probe who is in the inventory.
      expect((await choices("bob@example.com", "nobody@example.com")).status).toBe("not_allowed");
    });

    it("shows a device with a request in progress as refused, pointing to that request", async () => {
      const first = await startReset(t().engine, {
        actorEmail: "ada@example.com",
        deviceId: "dev-001",
        notifyUser: false,
        surface: "cli",
      });
      if (first.status !== "started") throw new Error(first.status);
      for (const purpose of ["reset", "report_lost"] as const) {
        const actor = purpose === "reset" ? "ada@example.com" : "alice@example.com";
        const r = await choices(actor, "alice@example.com", purpose);
        if (r.status !== "ok") throw new Error(r.status);
        const pixel = r.choices.find((c) => c.device.id === "dev-001");
        expect(pixel?.action).toBe("none");
        expect(pixel?.active?.id).toBe(first.request.id);
        expect(pixel?.refusal).toBe(
          `A reset is already in progress for this device (request ${first.request.id}, pushed). Follow or cancel it instead of starting another.`,
        );
      }
    });

    /** Bob's phone whose policy asks for 20+ characters: more than Latchkey can set (16 at most). */
    async function strictDevice() {
      await t().engine.stores.directory.upsertInventory(
        [],
        [
          deviceInput({
            id: "dev-strict",
            ownerEmail: "bob@example.com",
            passcodePolicy: { enforced: true, type: "numeric", minLength: 20, complexity: "high" },
          }),
        ],
      );
    }

    it("does not offer a reset that starting it would refuse (a passcode policy Latchkey cannot meet)", async () => {
      await strictDevice();
      const r = await choices("ada@example.com", "bob@example.com");
      if (r.status !== "ok") throw new Error(r.status);
      const offered = r.choices.find((c) => c.device.id === "dev-strict");
      const start = await startReset(t().engine, {
        actorEmail: "ada@example.com",
        deviceId: "dev-strict",
        notifyUser: false,
        surface: "slack",
      });
      expect(start.status).toBe("refused");
      const refusal = start.status === "refused" ? start.request.outcome : null;
      expect(refusal).toMatch(/up to 16 characters/);
      // The form must agree with what happens on click.
      expect(offered?.action).toBe("none");
      expect(offered?.refusal).toBe(refusal);
    });

    it("offers a lock when an employee reports lost a device whose passcode cannot be reset", async () => {
      await strictDevice();
      const r = await choices("bob@example.com", "bob@example.com", "report_lost");
      if (r.status !== "ok") throw new Error(r.status);
      const offered = r.choices.find((c) => c.device.id === "dev-strict");
      const start = await reportLostDevice(t().engine, {
        actorEmail: "bob@example.com",
        deviceId: "dev-strict",
        surface: "slack",
      });
      // "Reset and lock when the rules allow, else lock only" (docs/domain.md): a lost phone is locked.
      expect(start.status === "started" && start.request.kind).toBe("lock");
      expect(offered?.action).toBe("lock");
    });
  });

  describe("recentRequests and requestDetails", () => {
    /** Ada resets Bob's phone, then Alice reports her Pixel lost, a minute apart. */
    async function twoRequests(): Promise<{ byAda: string; byAlice: string }> {
      const { engine, clock } = t();
      const a = await startReset(engine, {
        actorEmail: "ada@example.com",
        deviceId: "dev-bob",
        notifyUser: true,
        surface: "slack",
      });
      clock.advance(60_000);
      const b = await reportLostDevice(engine, {
        actorEmail: "alice@example.com",
        deviceId: "dev-001",
        surface: "teams",
      });
      if (a.status !== "started" || b.status !== "started") throw new Error("not started");
      return { byAda: a.request.id, byAlice: b.request.id };
    }
    const recent = (actorEmail: string, limit?: number) =>
      recentRequests(t().engine, { actorEmail, ...(limit ? { limit } : {}) });
    const ids = (list: { request: { id: string } }[]) => list.map((s) => s.request.id);

    it("lists every request for an admin, newest first, and only their own for an employee", async () => {
      const { byAda, byAlice } = await twoRequests();
      const all = await recent("ada@example.com");
      expect(ids(all)).toEqual([byAlice, byAda]);
      expect(all.map((s) => s.device?.name)).toEqual(["Alice's Pixel 8", "Bob's Pixel 7"]);
      expect(ids(await recent("root@example.com", 1))).toEqual([byAlice]);
      expect(ids(await recent("alice@example.com"))).toEqual([byAlice]);
      // Bob's phone was reset by Ada, not by Bob: his list is empty.
      expect(ids(await recent("bob@example.com"))).toEqual([]);
      expect(await recent("mallory@example.com")).toEqual([]);
    });

    it("shows the whole timeline to an admin, and audits the look", async () => {
      const { byAda } = await twoRequests();
      const r = await requestDetails(t().engine, {
        actorEmail: "ada@example.com",
        requestId: byAda,
        surface: "slack",
      });
      expect(r.status).toBe("ok");
      if (r.status !== "ok") return;
      expect(r.request.id).toBe(byAda);
      expect(r.device?.id).toBe("dev-bob");
      expect(r.events.map((e) => e.type)).toEqual(["requested", "checked", "passcode_generated", "pushed"]);
      expect(r.deliveries).toEqual([]);
      expect(await audits("authorize.view")).toEqual([
        expect.objectContaining({
          actor: "ada@example.com",
          outcome: "allowed",
          requestId: byAda,
          surface: "slack",
        }),
      ]);
    });

    it("shows an employee the requests they started or that concern their own device, nothing else", async () => {
      const { byAda, byAlice } = await twoRequests();
      const details = (actorEmail: string, requestId: string) =>
        requestDetails(t().engine, { actorEmail, requestId, surface: "teams" });

      expect((await details("alice@example.com", byAlice)).status).toBe("ok");
      // Bob's own phone, reset by Ada: Bob may follow it.
      expect((await details("bob@example.com", byAda)).status).toBe("ok");
      const refused = await details("bob@example.com", byAlice);
      expect(refused).toEqual({
        status: "not_allowed",
        message: expect.stringMatching(/someone else's device/),
      });
      expect((await details("alice@example.com", byAda)).status).toBe("not_allowed");

      const rows = await audits("authorize.view");
      expect(rows.map((a) => [a.actor, a.requestId, a.outcome])).toEqual(
        expect.arrayContaining([
          ["alice@example.com", byAlice, "allowed"],
          ["bob@example.com", byAda, "allowed"],
          ["bob@example.com", byAlice, "refused"],
          ["alice@example.com", byAda, "refused"],
        ]),
      );
      expect(rows).toHaveLength(4);
    });

    it("says when the request does not exist", async () => {
      const r = await requestDetails(t().engine, {
        actorEmail: "ada@example.com",
        requestId: "rq_missing",
        surface: "slack",
      });
      expect(r).toEqual({ status: "not_found", message: 'No request "rq_missing".' });
    });
  });
});
