// The inventory parser on valid files: JSON and CSV give the same people and devices, emails
// normalised, unknown fields ignored, defaults filled, CSV columns in any order, CSV booleans in
// their accepted spellings (and the rest refused), dates with an offset or date only, the demo
// inventory; and the format told from a file's name. Errors: parse-inventory-errors.test.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_PASSCODE_POLICY,
  formatFromFileName,
  parseInventory,
} from "../../src/inventory/parse-inventory.ts";
import {
  csvRow,
  EXPECTED_DEVICES,
  errorsOf,
  HEADER,
  iphone,
  json,
  okOf,
  pixel,
  VALID,
  VALID_CSV,
  withDevice,
} from "./parse-inventory-setup.ts";

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
