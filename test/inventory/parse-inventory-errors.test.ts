// The inventory parser's errors name their place: every bad JSON field by its path, every bad CSV
// cell by line (as an editor counts) and column, the wrong overall shape, malformed JSON or CSV as
// one located error, header problems and wrong cell counts, the list cut at MAX_ERRORS; duplicate
// device ids and emails, one owner given two names, and a device whose owner is not in people.
import { describe, expect, it } from "vitest";
import { MAX_ERRORS, parseInventory } from "../../src/inventory/parse-inventory.ts";
import { errorsOf, HEADER, iphone, json, pixel, VALID } from "./parse-inventory-setup.ts";

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
