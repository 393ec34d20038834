// Inventory import: the public JSON / CSV contract operators export from their MDM (see
// docs and demo/inventory.json). Pure: text in, people and devices (or every problem, located) out.
// A bad file yields ok:false and nothing else, so an import is all or nothing.
import { z } from "zod";
import type { DeviceInput, PersonInput } from "../core/ports.ts";
import { readCsv } from "./csv.ts";
import { jsonSyntaxError } from "./json-syntax.ts";
import { deviceSchema, errorMap, personSchema, shown } from "./schema.ts";

export { DEFAULT_PASSCODE_POLICY, parseIsoDate } from "./schema.ts";

export interface InventoryError {
  location: string;
  message: string;
}

export type InventoryResult =
  | { ok: true; people: PersonInput[]; devices: DeviceInput[] }
  | { ok: false; errors: InventoryError[] };

/** Errors reported per file; one more line says how many were left out. */
export const MAX_ERRORS = 50;

function issuesOf(error: z.ZodError): { path: PropertyKey[]; message: string }[] {
  return error.issues.map((i) => ({ path: i.path, message: i.message }));
}

const jsonPath = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");

// ---- Shared cross-checks and result ----

type Device = z.output<typeof deviceSchema>;
type Person = z.output<typeof personSchema>;

const personInput = ({ email, name, role }: Person): PersonInput => ({
  email,
  name,
  ...(role ? { role } : {}),
});
const toDeviceInput = ({ owner, ...d }: Device): DeviceInput => ({ ...d, ownerEmail: owner });
/** The trimmed string field `key` of a not-yet-validated entry, for duplicate and owner checks. */
const rawField = (entry: unknown, key: string): string | null => {
  const v = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)[key] : undefined;
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
};

function result(people: PersonInput[], devices: DeviceInput[], errors: InventoryError[]): InventoryResult {
  if (errors.length === 0) return { ok: true, people, devices };
  if (errors.length <= MAX_ERRORS) return { ok: false, errors };
  const more = errors.length - MAX_ERRORS;
  return {
    ok: false,
    errors: [
      ...errors.slice(0, MAX_ERRORS),
      { location: "file", message: `${more} more error${more > 1 ? "s" : ""} not shown` },
    ],
  };
}

/** Reports a value seen before; `seen` maps the value to where it was first seen. */
function firstSeen(seen: Map<string, string>, value: string, where: string): string | null {
  const before = seen.get(value);
  if (before === undefined) seen.set(value, where);
  return before ?? null;
}

// ---- JSON ----

function parseJson(text: string): InventoryResult {
  const body = text.replace(/^\uFEFF/, "");
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    const at = jsonSyntaxError(body);
    const reason = at?.reason ?? (err instanceof Error ? err.message : String(err));
    return result(
      [],
      [],
      [
        {
          location: at ? `line ${at.line}, column ${at.column}` : "file",
          message: `invalid JSON: ${reason}`,
        },
      ],
    );
  }
  const shape = z
    .object({ people: z.array(z.unknown()), devices: z.array(z.unknown()) })
    .safeParse(data, { error: errorMap });
  if (!shape.success) {
    const errors = issuesOf(shape.error).map(({ path, message }) =>
      path.length === 0
        ? {
            location: "file",
            message: `expected an object with "people" and "devices" lists, got ${shown(data)}`,
          }
        : { location: jsonPath(path), message },
    );
    return result([], [], errors);
  }

  const errors: InventoryError[] = [];
  const people: PersonInput[] = [];
  const devices: DeviceInput[] = [];
  const emails = new Map<string, string>();
  shape.data.people.forEach((raw, i) => {
    const at = `people[${i}]`;
    const email = rawField(raw, "email")?.toLowerCase();
    const before = email ? firstSeen(emails, email, at) : null;
    if (before)
      errors.push({ location: `${at}.email`, message: `duplicate email ${email}, already at ${before}` });
    const p = personSchema.safeParse(raw, { error: errorMap });
    if (!p.success)
      for (const { path, message } of issuesOf(p.error))
        errors.push({ location: jsonPath(["people", i, ...path]), message });
    else people.push(personInput(p.data));
  });

  const ids = new Map<string, string>();
  shape.data.devices.forEach((raw, i) => {
    const at = `devices[${i}]`;
    const id = rawField(raw, "id");
    const before = id ? firstSeen(ids, id, at) : null;
    if (before)
      errors.push({
        location: `${at}.id`,
        message: `duplicate device id ${JSON.stringify(id)}, already at ${before}`,
      });
    const d = deviceSchema.safeParse(raw, { error: errorMap });
    if (!d.success) {
      for (const { path, message } of issuesOf(d.error))
        errors.push({ location: jsonPath(["devices", i, ...path]), message });
      return;
    }
    if (!emails.has(d.data.owner)) {
      errors.push({
        location: `${at}.owner`,
        message: `no person with email ${d.data.owner} in "people"; add them there`,
      });
    }
    devices.push(toDeviceInput(d.data));
  });
  return result(people, devices, errors);
}

// ---- CSV ----

function parseCsvInventory(text: string): InventoryResult {
  const { rows, issues } = readCsv(text);
  const where = (line: number, column?: string) =>
    column ? `line ${line}, column ${column}` : `line ${line}`;
  const errors: InventoryError[] = issues.map((i) => ({
    location: where(i.line, i.column),
    message: i.message,
  }));
  const people = new Map<string, PersonInput & { line: number; named: boolean }>();
  const devices: DeviceInput[] = [];
  const ids = new Map<string, string>();
  for (const row of rows) {
    const id = rawField(row.device, "id");
    const before = id ? firstSeen(ids, id, `line ${row.line}`) : null;
    if (before)
      errors.push({
        location: where(row.line, "id"),
        message: `duplicate device id ${JSON.stringify(id)}, already on ${before}`,
      });
    const d = deviceSchema.safeParse(row.device, { error: errorMap });
    if (!d.success) {
      for (const { path, message } of issuesOf(d.error)) {
        const column = path.map(String).join(".");
        if (!row.badColumns.has(column)) errors.push({ location: where(row.line, column), message });
      }
      continue;
    }
    devices.push(toDeviceInput(d.data));

    const email = d.data.owner;
    const named = personSchema.shape.name.safeParse(row.ownerName ?? email.split("@")[0], {
      error: errorMap,
    });
    if (!named.success) {
      errors.push({
        location: where(row.line, "ownerName"),
        message: named.error.issues[0]?.message ?? "invalid name",
      });
      continue;
    }
    const known = people.get(email);
    if (!known) {
      people.set(email, { email, name: named.data, line: row.line, named: row.ownerName !== undefined });
    } else if (row.ownerName !== undefined && known.named && known.name !== named.data) {
      errors.push({
        location: where(row.line, "ownerName"),
        message: `${JSON.stringify(named.data)} differs from ${JSON.stringify(known.name)} given for ${email} on line ${known.line}`,
      });
    } else if (row.ownerName !== undefined && !known.named) {
      Object.assign(known, { name: named.data, line: row.line, named: true });
    }
  }
  // No role: a CSV names device owners only; new ones become employees, existing roles are kept.
  const persons = [...people.values()].map(({ email, name }) => ({ email, name }));
  const line = (e: InventoryError) => Number(/^line (\d+)/.exec(e.location)?.[1] ?? 0);
  return result(
    persons,
    devices,
    errors.sort((a, b) => line(a) - line(b)),
  );
}

// ---- API ----

export function parseInventory(text: string, format: "json" | "csv"): InventoryResult {
  return format === "json" ? parseJson(text) : parseCsvInventory(text);
}

/** "devices.CSV" -> "csv"; null when the name does not end in .json or .csv. */
export function formatFromFileName(name: string): "json" | "csv" | null {
  const ext = /\.([A-Za-z]+)\s*$/.exec(name)?.[1]?.toLowerCase();
  return ext === "json" || ext === "csv" ? ext : null;
}
