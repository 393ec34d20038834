// How devices are named on Teams cards.
import type { Device } from "../../../core/types.ts";

const PLATFORM_NAMES: Record<string, string> = {
  android: "Android",
  ios: "iOS",
  ipados: "iPadOS",
  macos: "macOS",
  windows_phone: "Windows Phone",
  windows_mobile: "Windows Mobile",
  windows: "Windows",
};

/** "Android 14", "iOS 17.4". */
export function platformLabel(device: Pick<Device, "platform" | "osVersion">): string {
  return `${PLATFORM_NAMES[device.platform] ?? device.platform} ${device.osVersion}`;
}

export function deviceLabel(device: Pick<Device, "name" | "platform" | "osVersion">): string {
  return `${device.name} · ${platformLabel(device)}`;
}
