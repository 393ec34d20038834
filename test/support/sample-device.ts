// A managed Android phone the rules allow to reset, as the core sees it; tests override fields.
import type { Device } from "../../src/core/types.ts";

/** What the reset rules look at, shared by the test inventory's devices (test-engine.ts). */
export const MANAGED_ANDROID = {
  platform: "android",
  osVersion: "14",
  managementMode: "device_owner",
  passcodeSet: true,
  passcodePolicy: { enforced: true, type: "numeric", minLength: 6, complexity: "medium" },
  resetTokenActive: true,
  pendingAction: null,
} satisfies Partial<Device>;

export function sampleDevice(overrides: Partial<Device> = {}): Device {
  return {
    id: "dev_1",
    ownerEmail: "ana@example.com",
    name: "Ana's Pixel",
    ...MANAGED_ANDROID,
    lastSeenAt: null,
    pushToken: "tok",
    pushUnreachableAt: null,
    enrolled: true,
    backend: "agent",
    mdm: null,
    retiredAt: null,
    ...overrides,
  };
}
