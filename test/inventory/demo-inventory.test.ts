// The demo inventory (demo/inventory.json) covers every capability rule of docs/domain.md: its
// admins and employees, each device's reset and lock verdict with its reason, the warnings and the
// work-profile scope.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkCapability } from "../../src/core/capability.ts";
import { parseInventory } from "../../src/inventory/parse-inventory.ts";
import { okOf } from "./parse-inventory-setup.ts";

describe("demo/inventory.json", () => {
  const demo = okOf(parseInventory(readFileSync("demo/inventory.json", "utf8"), "json"));
  const now = new Date("2026-11-27T12:00:00Z");
  const verdict = (id: string) => {
    const d = demo.devices.find((x) => x.id === id);
    if (!d) throw new Error(`no demo device ${id}`);
    const c = checkCapability(
      {
        ...d,
        pushToken: null,
        pushUnreachableAt: null,
        enrolled: true,
        backend: "agent",
        mdm: null,
        retiredAt: null,
      },
      { now, staleAfterMs: 7 * 86_400_000, expiresAt: new Date("2026-11-28T12:00:00Z"), activeRequest: null },
    );
    return {
      reset: c.reset.allowed,
      lock: c.lock.allowed,
      scope: c.scope,
      reason: c.reason,
      warnings: c.warnings.join(" "),
    };
  };

  it("has the two admins and some employees", () => {
    const admins = demo.people.filter((p) => p.role === "admin").map((p) => p.email);
    expect(admins).toEqual(["ada.admin@example.com", "sam.security@example.com"]);
    expect(demo.people.length).toBeGreaterThanOrEqual(8);
  });

  it.each([
    ["demo-galaxy-s7-android6-admin", true, true, /Android 6/],
    ["demo-moto-g5-android7-admin-passcode", false, true, /Android 7\+ does not let a Device Administrator/],
    ["demo-nokia-6-android9-admin-no-passcode", true, true, /Android 9/],
    ["demo-galaxy-a52-android12-admin", false, true, /Android 11 and later/],
    ["demo-pixel-xl-android7-owner", true, true, /even if one is set/],
    ["demo-pixel-8-owner", true, true, /activated/],
    ["demo-pixel-7-owner-token-inactive", false, true, /unlock the device once/],
    ["demo-galaxy-s22-work-profile", true, true, /activated/],
    ["demo-lumia-930-wp81", true, true, /Windows phone/],
    ["demo-lumia-920-wp80", false, false, /8\.1 or later/],
    ["demo-lumia-950-win10-mobile", true, true, /Windows 10 Mobile/],
    ["demo-surface-laptop-win11", false, false, /Windows desktops/],
    ["demo-iphone-15-ios17", false, true, /Apple devices/],
    ["demo-ipad-air-ipados17", false, true, /Apple devices/],
    ["demo-macbook-air-macos14", false, true, /Macs/],
    ["demo-pixel-6-pending-wipe", false, false, /wipe is pending/],
    ["demo-pixel-6a-pending-retire", false, false, /retire/],
    ["demo-pixel-7a-stale-40-days", true, true, /activated/],
    ["demo-pixel-9-never-seen", true, true, /activated/],
    ["demo-oneplus-11-unmanaged", false, false, /not managed/],
    ["demo-galaxy-tab-android-mdm-no-agent", false, false, /agent/],
  ])("%s: reset %s, lock %s", (id, reset, lock, reason) => {
    const v = verdict(id);
    expect([v.reset, v.lock]).toEqual([reset, lock]);
    expect(v.reason).toMatch(reason);
  });

  it("shows the warnings and the work-profile scope", () => {
    expect(verdict("demo-nokia-6-android9-admin-no-passcode").warnings).toMatch(
      /no passcode policy is enforced/,
    );
    expect(verdict("demo-pixel-7a-stale-40-days").warnings).toMatch(/Last seen 40 days ago/);
    expect(verdict("demo-pixel-9-never-seen").warnings).toMatch(/Never seen/);
    expect(verdict("demo-galaxy-s22-work-profile")).toMatchObject({
      scope: "work_profile",
      warnings: /Work profile only/,
    });
    const fresh = demo.devices.filter((d) => !/stale|never-seen/.test(d.id));
    for (const d of fresh) expect(verdict(d.id).warnings).not.toMatch(/Last seen|Never seen/);
    expect(demo.devices.length).toBe(21);
  });
});
