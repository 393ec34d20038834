// Set-up shared by the inventory parser's tests (parse-inventory*.test.ts): a valid two-device
// inventory (an Android phone with every field, an iPhone taking every default) as JSON and as CSV,
// the devices it must give, and short ways to parse a variant of it and take its result apart.
import type { DeviceInput } from "../../src/core/ports.ts";
import { CSV_COLUMNS } from "../../src/inventory/csv.ts";
import {
  DEFAULT_PASSCODE_POLICY,
  type InventoryResult,
  parseInventory,
} from "../../src/inventory/parse-inventory.ts";

export const HEADER = CSV_COLUMNS.join(",");

export const pixel = {
  id: "dev-001",
  owner: "alice@example.com",
  name: "Alice's Pixel 7",
  platform: "android",
  osVersion: "7.1.2",
  managementMode: "device_admin",
  passcodeSet: true,
  passcodePolicy: { enforced: true, type: "numeric", minLength: 6, complexity: "medium" },
  resetTokenActive: false,
  lastSeenAt: "2026-11-20T10:00:00Z",
  pendingAction: null,
};
export const iphone = {
  id: "dev-002",
  owner: "bob@example.com",
  name: "Bob's iPhone",
  platform: "ios",
  osVersion: "17.5",
  managementMode: "mdm",
  passcodeSet: false,
};
export const VALID = {
  people: [
    { email: "alice@example.com", name: "Alice Ng" },
    { email: "bob@example.com", name: "bob" },
  ],
  devices: [pixel, iphone],
};
// The same inventory as CSV: Bob's name comes from his email, his device takes every default.
export const VALID_CSV = [
  HEADER,
  "dev-001,alice@example.com,Alice Ng,Alice's Pixel 7,android,7.1.2,device_admin,true,true,numeric,6,medium,false,2026-11-20T10:00:00Z,",
  "dev-002,bob@example.com,,Bob's iPhone,ios,17.5,mdm,false,,,,,,,",
].join("\n");

export const EXPECTED_DEVICES: DeviceInput[] = [
  {
    id: "dev-001",
    ownerEmail: "alice@example.com",
    name: "Alice's Pixel 7",
    platform: "android",
    osVersion: "7.1.2",
    managementMode: "device_admin",
    passcodeSet: true,
    passcodePolicy: { enforced: true, type: "numeric", minLength: 6, complexity: "medium" },
    resetTokenActive: false,
    lastSeenAt: new Date("2026-11-20T10:00:00Z"),
    pendingAction: null,
  },
  {
    id: "dev-002",
    ownerEmail: "bob@example.com",
    name: "Bob's iPhone",
    platform: "ios",
    osVersion: "17.5",
    managementMode: "mdm",
    passcodeSet: false,
    passcodePolicy: DEFAULT_PASSCODE_POLICY,
    resetTokenActive: false,
    lastSeenAt: null,
    pendingAction: null,
  },
];

export const json = (value: unknown) => parseInventory(JSON.stringify(value), "json");
export const withDevice = (overrides: Record<string, unknown>) =>
  json({ ...VALID, devices: [{ ...pixel, ...overrides }] });
/** A CSV with one device row built from `cells` (column -> cell), other cells taken from dev-001. */
export function csvRow(cells: Partial<Record<(typeof CSV_COLUMNS)[number], string>>): InventoryResult {
  const base = VALID_CSV.split("\n")[1]?.split(",") ?? [];
  const row = CSV_COLUMNS.map((c, i) => cells[c] ?? base[i] ?? "");
  return parseInventory(`${HEADER}\n${row.join(",")}\n`, "csv");
}
export function errorsOf(r: InventoryResult) {
  if (r.ok) throw new Error(`expected errors, got ok with ${r.devices.length} devices`);
  return r.errors;
}
export function okOf(r: InventoryResult) {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.errors)}`);
  return r;
}
