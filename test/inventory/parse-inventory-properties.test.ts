// Properties of the inventory parser (fast-check): random junk and mutated valid files never make it
// throw, only ok:true or ok:false with located errors; a random valid inventory round-trips through
// JSON, and its CSV gives the same devices.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeviceInput, PersonInput } from "../../src/core/ports.ts";
import { COMPLEXITIES, MANAGEMENT_MODES, PASSCODE_TYPES, PLATFORMS } from "../../src/core/types.ts";
import { type InventoryResult, MAX_ERRORS, parseInventory } from "../../src/inventory/parse-inventory.ts";
import { HEADER, okOf, VALID, VALID_CSV } from "./parse-inventory-setup.ts";

const email = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}@[a-z]{2,8}\.(com|org)$/);
const label = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ',.()-]{0,30}[A-Za-z0-9)]$/);
const policy = fc.record({
  enforced: fc.boolean(),
  type: fc.constantFrom(...PASSCODE_TYPES),
  minLength: fc.integer({ min: 0, max: 64 }),
  complexity: fc.constantFrom(...COMPLEXITIES),
});
const inventory = fc
  .uniqueArray(fc.record({ email, name: label }), { minLength: 1, maxLength: 5, selector: (p) => p.email })
  .chain((people: PersonInput[]) =>
    fc.record({
      people: fc.constant(people),
      devices: fc.uniqueArray(
        fc.record({
          id: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,15}$/),
          ownerEmail: fc.constantFrom(...people.map((p) => p.email)),
          name: label,
          platform: fc.constantFrom(...PLATFORMS),
          osVersion: fc.array(fc.nat(99), { minLength: 1, maxLength: 3 }).map((v) => v.join(".")),
          managementMode: fc.constantFrom(...MANAGEMENT_MODES),
          passcodeSet: fc.boolean(),
          passcodePolicy: policy,
          resetTokenActive: fc.boolean(),
          lastSeenAt: fc.option(
            fc.date({
              min: new Date("2000-01-01T00:00:00Z"),
              max: new Date("2099-12-31T23:59:59Z"),
              noInvalidDate: true,
            }),
          ),
          pendingAction: fc.constantFrom(null, "wipe" as const, "retire" as const),
        }) satisfies fc.Arbitrary<DeviceInput>,
        { maxLength: 8, selector: (d) => d.id },
      ),
    }),
  );

const toContract = (inv: { people: PersonInput[]; devices: DeviceInput[] }) => ({
  people: inv.people,
  devices: inv.devices.map(({ ownerEmail, ...d }) => ({ ...d, owner: ownerEmail })),
});
const toCsv = (devices: DeviceInput[]) =>
  [
    HEADER,
    ...devices.map((d) =>
      [
        d.id,
        d.ownerEmail,
        "",
        `"${d.name.replaceAll('"', '""')}"`,
        d.platform,
        d.osVersion,
        d.managementMode,
        d.passcodeSet ? "yes" : "no",
        String(d.passcodePolicy.enforced),
        d.passcodePolicy.type,
        d.passcodePolicy.minLength,
        d.passcodePolicy.complexity,
        d.resetTokenActive ? "1" : "0",
        d.lastSeenAt?.toISOString() ?? "",
        d.pendingAction ?? "",
      ].join(","),
    ),
  ].join("\r\n");

function wellFormed(r: InventoryResult): boolean {
  if (r.ok) return Array.isArray(r.people) && Array.isArray(r.devices) && Object.keys(r).length === 3;
  return (
    r.errors.length >= 1 &&
    r.errors.length <= MAX_ERRORS + 1 &&
    r.errors.every((e) => e.location.length > 0 && e.message.length > 0) &&
    Object.keys(r).length === 2
  );
}

describe("properties", () => {
  const validJson = JSON.stringify(VALID, null, 1);
  /** Valid text with a few random edits: reaches deeper than pure noise. */
  const mutated = (text: string) =>
    fc
      .array(fc.tuple(fc.nat(text.length), fc.nat(3), fc.string({ maxLength: 3 })), {
        minLength: 1,
        maxLength: 4,
      })
      .map((edits) => edits.reduce((s, [at, cut, add]) => s.slice(0, at) + add + s.slice(at + cut), text));
  const junk = fc.oneof(
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.json(),
    fc
      .array(fc.constantFrom('"', ",", ";", "\n", "\r", "{", "[", "}", "]", ":", "id", "owner", "1", " "), {
        maxLength: 40,
      })
      .map((a) => a.join("")),
    mutated(validJson),
    mutated(VALID_CSV),
  );

  it("random junk never throws: always ok:true or ok:false with located errors", () => {
    fc.assert(
      fc.property(junk, fc.constantFrom("json" as const, "csv" as const), (text, format) => {
        expect(wellFormed(parseInventory(text, format))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("a valid inventory round-trips through JSON, and its CSV gives the same devices", () => {
    fc.assert(
      fc.property(inventory, (inv) => {
        const r = okOf(parseInventory(JSON.stringify(toContract(inv)), "json"));
        expect(r).toEqual({ ok: true, ...inv });
        expect(okOf(parseInventory(JSON.stringify(toContract(r)), "json"))).toEqual(r);
        expect(okOf(parseInventory(toCsv(inv.devices), "csv")).devices).toEqual(inv.devices);
      }),
      { numRuns: 200 },
    );
  });
});
