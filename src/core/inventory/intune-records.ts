// An Intune managedDevice record read as a Latchkey device: its platform, cleaned texts, ownership
// and last sync; and who owns it (the user's UPN, else their mail address, else no user). Pure.
import { isEmailAddress } from "../addresses.ts";
import { cleanFreeText } from "../free-text.ts";
import type { MdmFacts, Platform } from "../types.ts";
import type { ManagedDeviceRecord, MdmDeviceWrite } from "./mdm-ports.ts";

/** Graph's operatingSystem (lower-case, spaces removed) -> platform; others are not synced. */
const PLATFORM_OF: Record<string, Platform> = {
  android: "android",
  androidforwork: "android",
  androidenterprise: "android",
  aosp: "android",
  ios: "ios",
  ipados: "ipados",
  macos: "macos",
  macosx: "macos",
  windows: "windows",
  windowsmobile: "windows_mobile",
  windowsphone: "windows_phone",
};

export function platformOf(operatingSystem: string | null): Platform | null {
  return PLATFORM_OF[(operatingSystem ?? "").toLowerCase().replace(/\s+/g, "")] ?? null;
}

const NAME_MAX = 200;
const VALUE_MAX = 64;

/** A short value from Graph (an enum, a version) as one clean line; null when nothing is left. */
function value(text: string | null): string | null {
  return text === null ? null : cleanFreeText(text, VALUE_MAX) || null;
}

/** Intune's lastSyncDateTime; its "never" (0001-01-01) and anything unreadable are null. */
export function syncTime(text: string | null): Date | null {
  if (!text) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) || at.getUTCFullYear() < 2000 ? null : at;
}

/** Where the owner may be found, first match wins: the UPN, then the mail address (lower-case). */
export function ownerCandidates(r: ManagedDeviceRecord): string[] {
  const out: string[] = [];
  for (const raw of [r.userPrincipalName, r.emailAddress]) {
    const email = (raw ?? "").trim().toLowerCase();
    if (isEmailAddress(email) && !out.includes(email)) out.push(email);
  }
  return out;
}

/** A new person's name: the display name Intune gives, else the address's local part. */
export function personName(r: ManagedDeviceRecord, email: string): string {
  return cleanFreeText(r.userDisplayName ?? "", NAME_MAX) || email.split("@")[0] || email;
}

/** The device as Latchkey keeps it; null when Latchkey has nothing to do with it (no id, another OS). */
export function intuneDevice(r: ManagedDeviceRecord, ownerEmail: string): MdmDeviceWrite | null {
  const id = typeof r.id === "string" ? r.id.trim() : "";
  const platform = platformOf(r.operatingSystem);
  if (!id || id.length > 100 || /\s/.test(id) || !platform) return null;
  const lastSyncAt = syncTime(r.lastSyncDateTime);
  const mdm: MdmFacts = {
    enrollmentType: value(r.deviceEnrollmentType),
    deviceType: value(r.deviceType),
    ownership: r.ownerType === "company" || r.ownerType === "personal" ? r.ownerType : "unknown",
    lastSyncAt,
  };
  return {
    id,
    backend: "intune",
    ownerEmail,
    name: cleanFreeText(r.deviceName ?? "", NAME_MAX) || id,
    platform,
    osVersion: value(r.osVersion) ?? "",
    mdm,
    lastSeenAt: lastSyncAt,
  };
}
