// The Block Kit builders on their own: what a form offers for many devices, and Slack's limits
// (radio buttons take 10 options; a menu takes 100; the 11th device must still be choosable).

import { describe, expect, it } from "vitest";
import { resetFormView } from "../../../src/adapters/slack/views/reset-views.ts";
import { checkCapability } from "../../../src/core/capability.ts";
import type { DeviceChoice } from "../../../src/core/reset/device-choices.ts";
import { resetSteps } from "../../../src/core/reset/device-choices.ts";
import type { Device } from "../../../src/core/types.ts";
import { deviceInput } from "../../support/test-engine.ts";

const NOW = new Date("2026-11-27T12:00:00Z");
const owner = { email: "felix@example.com", name: "Felix Field", role: "employee" as const };

function choice(i: number, overrides: Partial<Device> = {}): DeviceChoice {
  const device: Device = {
    ...deviceInput({
      id: `dev-${i}`,
      name: `Phone ${i}`,
      ownerEmail: owner.email,
      lastSeenAt: NOW,
      ...overrides,
    }),
    pushToken: "t",
    pushUnreachableAt: null,
    enrolled: true,
    backend: "agent",
    mdm: null,
    retiredAt: null,
  };
  const capability = checkCapability(device, {
    now: NOW,
    staleAfterMs: 7 * 86_400_000,
    expiresAt: new Date(NOW.getTime() + 86_400_000),
    activeRequest: null,
  });
  return {
    device,
    capability,
    action: capability.reset.allowed ? "reset_and_lock" : "none",
    refusal: capability.reset.allowed ? null : capability.reset.reason,
    active: null,
    steps: resetSteps(capability),
  };
}

function deviceElement(view: { blocks: Record<string, unknown>[] }) {
  const block = view.blocks.find((b) => b.block_id === "device_block") as
    | { element: { type: string; options: { value: string; description?: unknown }[] } }
    | undefined;
  if (!block) throw new Error("no device input");
  return block.element;
}

describe("Slack views: the device choice", () => {
  it("offers up to 10 devices as radio buttons, each with what would happen", () => {
    const view = resetFormView(
      owner,
      [1, 2, 3].map((i) => choice(i)),
      { c: "C1", o: owner.email },
    );
    const element = deviceElement(view);
    expect(element.type).toBe("radio_buttons");
    expect(element.options.map((o) => o.value)).toEqual(["dev-1", "dev-2", "dev-3"]);
    for (const o of element.options) expect(o.description).toBeDefined();
  });

  it("offers 12 devices in a menu, so the 11th and 12th can be chosen too", () => {
    const choices = Array.from({ length: 12 }, (_, i) => choice(i + 1));
    expect(choices.every((c) => c.refusal === null)).toBe(true);
    const element = deviceElement(resetFormView(owner, choices, { c: "C1", o: owner.email }));
    expect(element.type).toBe("static_select");
    expect(element.options).toHaveLength(12);
    expect(element.options.map((o) => o.value)).toContain("dev-12");
  });

  it("lists a refused device with its reason and never as an option", () => {
    const refused = choice(9, { platform: "windows_phone", osVersion: "8.0" });
    expect(refused.refusal).not.toBeNull();
    const view = resetFormView(owner, [choice(1), refused], { c: "C1", o: owner.email });
    expect(deviceElement(view).options.map((o) => o.value)).toEqual(["dev-1"]);
    expect(JSON.stringify(view.blocks)).toContain(String(refused.refusal).slice(0, 40));
    expect(view.submit).toBeDefined();
  });

  it("has no Next button when nothing can be chosen", () => {
    const refused = choice(9, { platform: "windows_phone", osVersion: "8.0" });
    const view = resetFormView(owner, [refused], { c: "C1", o: owner.email });
    expect(view.submit).toBeUndefined();
    expect(view.blocks.some((b) => b.block_id === "device_block")).toBe(false);
  });
});
