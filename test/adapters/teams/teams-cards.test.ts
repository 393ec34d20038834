// The card builders on their own: the device choice for many devices (radio buttons up to 10, a
// drop-down past that, and a line saying how many are not listed past 100), and the status card's
// audience (it refreshes by itself for the listed users only; Cancel only when asked for).

import { describe, expect, it } from "vitest";
import { lostFormCard, resetFormCard } from "../../../src/adapters/teams/cards/flow-cards.ts";
import { statusCard } from "../../../src/adapters/teams/cards/status-card.ts";
import { checkCapability } from "../../../src/core/capability.ts";
import type { DeviceChoice } from "../../../src/core/reset/device-choices.ts";
import { resetSteps } from "../../../src/core/reset/device-choices.ts";
import type { Device, ResetRequest } from "../../../src/core/types.ts";
import { deviceInput } from "../../support/test-engine.ts";

const NOW = new Date("2026-11-27T12:00:00Z");
const owner = { email: "felix@example.com", name: "Felix Field", role: "employee" as const };

function choice(i: number): DeviceChoice {
  const device: Device = {
    ...deviceInput({ id: `dev-${i}`, name: `Phone ${i}`, ownerEmail: owner.email, lastSeenAt: NOW }),
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
    action: "reset_and_lock",
    refusal: null,
    active: null,
    steps: resetSteps(capability),
  };
}

function choiceSet(card: Record<string, unknown>) {
  const set = ((card.body ?? []) as Record<string, unknown>[]).find((b) => b.type === "Input.ChoiceSet");
  return { style: set?.style, values: ((set?.choices ?? []) as { value: string }[]).map((c) => c.value) };
}

describe("Teams cards: the device choice", () => {
  it("offers up to 10 devices as radio buttons", () => {
    const set = choiceSet(resetFormCard(owner, [1, 2, 3].map(choice), true));
    expect(set.style).toBe("expanded");
    expect(set.values).toEqual(["dev-1", "dev-2", "dev-3"]);
  });

  it("offers 25 devices in a drop-down, every one choosable, in both forms", () => {
    const choices = Array.from({ length: 25 }, (_, i) => choice(i + 1));
    for (const card of [resetFormCard(owner, choices, false), lostFormCard(choices)]) {
      const set = choiceSet(card);
      expect(set.style).toBe("compact");
      expect(set.values).toHaveLength(25);
      expect(set.values).toContain("dev-25");
      expect(JSON.stringify(card)).not.toContain("not listed");
    }
  });

  it("past 100 devices, says how many are not listed", () => {
    const card = resetFormCard(
      owner,
      Array.from({ length: 120 }, (_, i) => choice(i + 1)),
      true,
    );
    expect(choiceSet(card).values).toHaveLength(100);
    expect(JSON.stringify(card)).toContain("20 more devices can be chosen but are not listed");
  });
});

describe("Teams cards: the status card's audience", () => {
  const device = choice(1).device;
  const request = {
    id: "rq_1",
    kind: "reset_and_lock",
    deviceId: device.id,
    requestedBy: "ada@example.com",
    surface: "teams",
    state: "pushed",
    outcome: null,
    createdAt: NOW,
    expiresAt: NOW,
  } as unknown as ResetRequest;
  const view = {
    thread: { purpose: "requester" as const },
    request,
    device,
    owner,
    requester: null,
    cancellable: true,
  };
  type Card = { refresh: { userIds: string[] }; actions: { verb?: string; title?: string }[] };

  it("posted for everyone: no Cancel, refreshes by itself for the listed users only", () => {
    const card = statusCard(view, { userIds: ["29:ada"], cancel: false }) as unknown as Card;
    expect(card.refresh.userIds).toEqual(["29:ada"]);
    expect(card.actions.map((a) => a.title)).toEqual(["Details", "Refresh"]);
  });

  it("refreshed for someone who may cancel: Cancel while the request may still be cancelled", () => {
    const card = statusCard(view, { userIds: [], cancel: true }) as unknown as Card;
    expect(card.refresh.userIds).toEqual([]);
    expect(card.actions.map((a) => a.verb)).toContain("request.cancel");
    const ended = statusCard(
      { ...view, cancellable: false },
      { userIds: [], cancel: true },
    ) as unknown as Card;
    expect(ended.actions.map((a) => a.verb)).not.toContain("request.cancel");
  });
});
