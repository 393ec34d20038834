import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkCapability } from "../../src/core/capability.ts";
import type { DeviceInput, PersonInput } from "../../src/core/ports.ts";
import { COMPLEXITIES, MANAGEMENT_MODES, PASSCODE_TYPES, PLATFORMS } from "../../src/core/types.ts";
import { CSV_COLUMNS } from "../../src/inventory/csv.ts";
import {
  DEFAULT_PASSCODE_POLICY,
  formatFromFileName,
  type InventoryResult,
  MAX_ERRORS,
  parseInventory,
} from "../../src/inventory/parse-inventory.ts";

const HEADER = CSV_COLUMNS.join(",");

const pixel = {
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
const iphone = {
  id: "dev-002",
  owner: "bob@example.com",
  name: "Bob's iPhone",
  platform: "ios",
  osVersion: "17.5",
  managementMode: "mdm",
  passcodeSet: false,
};
const VALID = {
  people: [
    { email: "alice@example.com", name: "Alice Ng" },
    { email: "bob@example.com", name: "bob" },
  ],
  devices: [pixel, iphone],
};
// The same inventory as CSV: Bob's name comes from his email, his device takes every default.
const VALID_CSV = [
  HEADER,
  "dev-001,alice@example.com,Alice Ng,Alice's Pixel 7,android,7.1.2,device_admin,true,true,numeric,6,medium,false,2026-11-20T10:00:00Z,",
  "dev-002,bob@example.com,,Bob's iPhone,ios,17.5,mdm,false,,,,,,,",
].join("\n");

const EXPECTED_DEVICES: DeviceInput[] = [
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

const json = (value: unknown) => parseInventory(JSON.stringify(value), "json");
const withDevice = (overrides: Record<string, unknown>) =>
  json({ ...VALID, devices: [{ ...pixel, ...overrides }] });
/** A CSV with one device row built from `cells` (column -> cell), other cells taken from dev-001. */
function csvRow(cells: Partial<Record<(typeof CSV_COLUMNS)[number], string>>): InventoryResult {
  const base = VALID_CSV.split("\n")[1]?.split(",") ?? [];
  const row = CSV_COLUMNS.map((c, i) => cells[c] ?? base[i] ?? "");
  return parseInventory(`${HEADER}\n${row.join(",")}\n`, "csv");
}
function errorsOf(r: InventoryResult) {
  if (r.ok) throw new Error(`expected errors, got ok with ${r.devices.length} devices`);
  return r.errors;
}
function okOf(r: InventoryResult) {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.errors)}`);
  return r;
}

describe("valid inventories", () => {
  it("JSON and CSV give the same people and devices", () => {
    const fromJson = okOf(json(VALID));
    const fromCsv = okOf(parseInventory(VALID_CSV, "csv"));
    expect(fromJson.devices).toEqual(EXPECTED_DEVICES);
    expect(fromJson.people).toEqual([
      { email: "alice@example.com", name: "Alice Ng" },
      { email: "bob@example.com", name: "bob" },
    ]);
    expect(fromCsv).toEqual(fromJson);
  });

  it("trims and lower-cases emails, ignores unknown fields, keeps a given role", () => {
    const r = okOf(
      json({
        exportedBy: "Some MDM",
        people: [{ email: "  Alice@Example.COM ", name: " Alice Ng ", role: "admin", department: "IT" }],
        devices: [
          { ...pixel, owner: "ALICE@example.com ", serial: "X1", passcodePolicy: { enforced: true, x: 1 } },
        ],
      }),
    );
    expect(r.people).toEqual([{ email: "alice@example.com", name: "Alice Ng", role: "admin" }]);
    expect(r.devices[0]?.ownerEmail).toBe("alice@example.com");
    expect(r.devices[0]?.passcodePolicy).toEqual({ ...DEFAULT_PASSCODE_POLICY, enforced: true });
  });

  it("fills defaults for missing or null optional fields, in both formats", () => {
    const bare = {
      ...iphone,
      owner: "alice@example.com",
      passcodePolicy: null,
      lastSeenAt: null,
      pendingAction: null,
    };
    const fromJson = okOf(withDevice(bare)).devices[0];
    expect(fromJson).toMatchObject({
      passcodePolicy: DEFAULT_PASSCODE_POLICY,
      resetTokenActive: false,
      lastSeenAt: null,
      pendingAction: null,
    });
    const fromCsv = okOf(
      parseInventory(`${HEADER}\ndev-002,alice@example.com,,Bob's iPhone,ios,17.5,mdm,no,,,,,,,\n`, "csv"),
    );
    expect(fromCsv.devices[0]).toEqual(fromJson);
    expect(fromCsv.people).toEqual([{ email: "alice@example.com", name: "alice" }]);
  });

  it("reads CSV columns in any order, case-insensitively, ignoring extra ones; BOM, CRLF and blank lines", () => {
    const csv =
      "\uFEFFNotes,OWNER,id,name,platform,osversion,managementMode,passcodeSet\r\n" +
      'hello,bob@example.com,dev-002,"Bob\'s iPhone",ios,17.5,mdm,0\r\n\r\n,,,,,,,\r\n';
    const r = okOf(parseInventory(csv, "csv"));
    expect(r.devices).toEqual([EXPECTED_DEVICES[1]]);
  });

  it("a CSV owner's name comes from any row that gives it", () => {
    const r = okOf(
      parseInventory(
        `${HEADER}\na1,bob@example.com,,A,ios,17,mdm,0,,,,,,,\na2,bob@example.com,Bob Stone,B,ios,17,mdm,0,,,,,,,\n`,
        "csv",
      ),
    );
    expect(r.people).toEqual([{ email: "bob@example.com", name: "Bob Stone" }]);
  });

  it("accepts ISO dates with an offset or date only", () => {
    expect(okOf(withDevice({ lastSeenAt: "2026-11-20T12:00:00+02:00" })).devices[0]?.lastSeenAt).toEqual(
      new Date("2026-11-20T10:00:00Z"),
    );
    expect(okOf(withDevice({ lastSeenAt: "2026-11-20" })).devices[0]?.lastSeenAt).toEqual(
      new Date("2026-11-20T00:00:00Z"),
    );
  });

  it("the demo inventory parses", () => {
    okOf(parseInventory(readFileSync("demo/inventory.json", "utf8"), "json"));
  });
});

describe("CSV booleans", () => {
  it.each([
    ["true", true],
    ["TRUE", true],
    ["Yes", true],
    ["1", true],
    ["false", false],
    ["False", false],
    ["no", false],
    ["NO", false],
    ["0", false],
  ])("%s -> %s", (cell, value) => {
    const d = okOf(csvRow({ passcodeSet: cell, "passcodePolicy.enforced": cell, resetTokenActive: cell }))
      .devices[0];
    expect([d?.passcodeSet, d?.passcodePolicy.enforced, d?.resetTokenActive]).toEqual([value, value, value]);
  });

  it.each(["t", "f", "y", "n", "on", "off", "2", "-1", "nope", "falsey", "0.0"])("%s is an error", (cell) => {
    expect(errorsOf(csvRow({ passcodeSet: cell }))).toEqual([
      {
        location: "line 2, column passcodeSet",
        message: `expected true/false, yes/no or 1/0, got "${cell}"`,
      },
    ]);
  });

  it("an empty optional boolean takes its default; an empty passcodeSet is required", () => {
    const d = okOf(csvRow({ "passcodePolicy.enforced": "", resetTokenActive: "" })).devices[0];
    expect([d?.passcodePolicy.enforced, d?.resetTokenActive]).toEqual([false, false]);
    expect(errorsOf(csvRow({ passcodeSet: "" }))).toEqual([
      { location: "line 2, column passcodeSet", message: "is required" },
    ]);
  });

  it("JSON booleans must be real booleans", () => {
    expect(errorsOf(withDevice({ passcodeSet: "false" }))).toEqual([
      { location: "devices[0].passcodeSet", message: 'expected a boolean, got "false"' },
    ]);
  });
});

describe("errors name their place", () => {
  it("JSON: every bad field, with its path", () => {
    const errors = errorsOf(
      json({
        people: [
          { email: "alice@example.com", name: "Alice" },
          { email: "not-an-email", name: "", role: "boss" },
          7,
        ],
        devices: [
          { ...pixel, platform: "androd", passcodePolicy: { minLength: 6.5, complexity: "extreme" } },
          {
            ...pixel,
            id: "dev 9",
            osVersion: "Android 14",
            lastSeenAt: "2026-02-30T10:00:00Z",
            pendingAction: "nuke",
          },
          { ...pixel, id: "dev-3", managementMode: undefined, resetTokenActive: 1, name: "two\nlines" },
        ],
      }),
    );
    expect(errors).toEqual([
      { location: "people[1].email", message: "expected an email address like alice@example.com" },
      { location: "people[1].name", message: "must not be empty" },
      { location: "people[1].role", message: 'expected one of admin, employee, got "boss"' },
      { location: "people[2]", message: "expected an object, got 7" },
      {
        location: "devices[0].platform",
        message:
          'expected one of android, ios, ipados, macos, windows_phone, windows_mobile, windows, got "androd"',
      },
      { location: "devices[0].passcodePolicy.minLength", message: "expected a whole number, got 6.5" },
      {
        location: "devices[0].passcodePolicy.complexity",
        message: 'expected one of none, low, medium, high, got "extreme"',
      },
      { location: "devices[1].id", message: expect.stringContaining("must not contain spaces") },
      { location: "devices[1].osVersion", message: "expected a version number like 7.1.2" },
      { location: "devices[1].lastSeenAt", message: expect.stringContaining('got "2026-02-30T10:00:00Z"') },
      { location: "devices[1].pendingAction", message: 'expected one of wipe, retire, got "nuke"' },
      { location: "devices[2].name", message: "must not contain line breaks or control characters" },
      {
        location: "devices[2].managementMode",
        message: "is required",
      },
      { location: "devices[2].resetTokenActive", message: "expected a boolean, got 1" },
    ]);
  });

  it("JSON: the wrong overall shape", () => {
    expect(errorsOf(parseInventory("[]", "json"))).toEqual([
      { location: "file", message: 'expected an object with "people" and "devices" lists, got a list' },
    ]);
    expect(errorsOf(json({ people: {} }))).toEqual([
      { location: "people", message: "expected a list, got an object" },
      { location: "devices", message: "is required" },
    ]);
  });

  it.each([
    ['{"people": [],\n  "devices": [1, 2,]\n}', "line 2, column 20", /expected a value/],
    ['{"people": [], "devices": []', "line 1, column 29", /end of input/],
    ['{"people": [] "devices": []}', "line 1, column 15", /expected "," or "}"/],
    ["{people: []}", "line 1, column 2", /property name in double quotes/],
    ['{"people": [], "devices": []}\n\nx', "line 3, column 1", /after the end/],
    ['{"people": ["a\nb"]}', "line 1, column 15", /line break/],
    ["", "line 1, column 1", /end of input/],
  ])("malformed JSON %j gives one error at %s", (text, location, message) => {
    const errors = errorsOf(parseInventory(text, "json"));
    expect(errors).toEqual([{ location, message: expect.stringMatching(message) }]);
    expect(errors[0]?.message).toMatch(/^invalid JSON: /);
  });

  it("CSV: each bad cell by line (as an editor counts, multi-line cells included) and column", () => {
    const csv = [
      HEADER,
      'a1,alice@example.com,,"Alice\'s ""work"" phone",androd,14,device_owner,yes,maybe,numeric,six,,,,',
      'a2,alice@example.com,,"a, b",ios,17,mdm,true,,,,,,yesterday,nuke',
      'a3,bob@example.com,"Bob\nStone",Bob\'s phone,ios,17,mdm,true,,,,,,,',
      "a4,not-email,,X,ios,,mdm,true,,,,,,,",
    ].join("\n");
    expect(errorsOf(parseInventory(csv, "csv"))).toEqual([
      {
        location: "line 2, column passcodePolicy.enforced",
        message: 'expected true/false, yes/no or 1/0, got "maybe"',
      },
      { location: "line 2, column passcodePolicy.minLength", message: 'expected a whole number, got "six"' },
      {
        location: "line 2, column platform",
        message: expect.stringMatching(/^expected one of android, .*got "androd"$/),
      },
      { location: "line 3, column lastSeenAt", message: expect.stringContaining('got "yesterday"') },
      { location: "line 3, column pendingAction", message: 'expected one of wipe, retire, got "nuke"' },
      { location: "line 4, column ownerName", message: "must not contain line breaks or control characters" },
      { location: "line 6, column owner", message: "expected an email address like alice@example.com" },
      { location: "line 6, column osVersion", message: "is required" },
    ]);
  });

  it("CSV: header problems, wrong cell counts, empty file", () => {
    expect(errorsOf(parseInventory("id,owner,name,Platform,passcodeSet,id\n", "csv"))).toEqual([
      { location: "line 1, column id", message: "this column appears twice in the header" },
      { location: "line 1", message: "missing columns osVersion, managementMode in the header" },
    ]);
    const short = `${HEADER}\na1,alice@example.com,,A,ios,17,mdm,true\n`;
    expect(errorsOf(parseInventory(short, "csv"))).toEqual([
      { location: "line 2", message: expect.stringMatching(/^expected 15 cells .* found 8/) },
    ]);
    expect(errorsOf(parseInventory("", "csv"))).toEqual([
      { location: "line 1", message: expect.stringMatching(/empty/) },
    ]);
  });

  it("malformed CSV gives one error with the parser's line", () => {
    const csv = `${HEADER}\na1,alice@example.com,,A,ios,17,mdm,true,,,,,,,\na2,alice@example.com,,"B,ios,17,mdm,true,,,,,,,\n`;
    expect(errorsOf(parseInventory(csv, "csv"))).toEqual([
      { location: "line 3", message: expect.stringMatching(/^invalid CSV: Quote Not Closed/) },
    ]);
  });

  it("stops listing after MAX_ERRORS, saying how many more there are", () => {
    const devices = Array.from({ length: 60 }, (_, i) => ({ ...pixel, id: `d${i}`, platform: "palm" }));
    const errors = errorsOf(json({ ...VALID, devices }));
    expect(errors).toHaveLength(MAX_ERRORS + 1);
    expect(errors.at(-1)).toEqual({ location: "file", message: "10 more errors not shown" });
  });
});

describe("duplicates and owners", () => {
  it("JSON: duplicate device ids and person emails (after normalising)", () => {
    const errors = errorsOf(
      json({
        people: [...VALID.people, { email: " ALICE@example.com", name: "Alice again" }],
        devices: [pixel, iphone, { ...iphone, id: "dev-001" }],
      }),
    );
    expect(errors).toEqual([
      { location: "people[2].email", message: "duplicate email alice@example.com, already at people[0]" },
      { location: "devices[2].id", message: 'duplicate device id "dev-001", already at devices[0]' },
    ]);
  });

  it("CSV: duplicate device ids, even when the first row is also bad", () => {
    const csv = `${HEADER}\na1,alice@example.com,,A,ios,17,mdm,perhaps,,,,,,,\na1,bob@example.com,,B,ios,17,mdm,true,,,,,,,\n`;
    expect(errorsOf(parseInventory(csv, "csv"))).toEqual([
      { location: "line 2, column passcodeSet", message: expect.any(String) },
      { location: "line 3, column id", message: 'duplicate device id "a1", already on line 2' },
    ]);
  });

  it("CSV: one owner given two different names", () => {
    const csv = `${HEADER}\na1,bob@example.com,Bob,A,ios,17,mdm,1,,,,,,,\na2,BOB@example.com,Robert,B,ios,17,mdm,1,,,,,,,\n`;
    expect(errorsOf(parseInventory(csv, "csv"))).toEqual([
      {
        location: "line 3, column ownerName",
        message: '"Robert" differs from "Bob" given for bob@example.com on line 2',
      },
    ]);
  });

  it("JSON: a device whose owner is not in people", () => {
    expect(errorsOf(json({ people: [VALID.people[0]], devices: [pixel, iphone] }))).toEqual([
      {
        location: "devices[1].owner",
        message: 'no person with email bob@example.com in "people"; add them there',
      },
    ]);
  });

  it("an owner whose person entry is invalid is not also reported missing", () => {
    const errors = errorsOf(json({ people: [{ email: "alice@example.com", name: "" }], devices: [pixel] }));
    expect(errors.map((e) => e.location)).toEqual(["people[0].name"]);
  });
});

describe("formatFromFileName", () => {
  it.each([
    ["inventory.json", "json"],
    ["exports/Devices.CSV", "csv"],
    ["a.b.csv", "csv"],
    ["inventory.xlsx", null],
    ["json", null],
    ["inventory.json.bak", null],
  ])("%s -> %s", (name, format) => {
    expect(formatFromFileName(name)).toBe(format);
  });
});

// ---- Properties ----

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

// ---- The demo inventory covers every capability rule of docs/domain.md ----

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
