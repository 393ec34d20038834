// The one schema both inventory formats go through (CSV cells are converted to these types first),
// and the wording of its errors. Messages say what was expected and what was found, in plain words.
import { z } from "zod";
import {
  COMPLEXITIES,
  MANAGEMENT_MODES,
  PASSCODE_TYPES,
  type PasscodePolicy,
  PENDING_ACTIONS,
  PLATFORMS,
} from "../core/types.ts";

export const DEFAULT_PASSCODE_POLICY: Readonly<PasscodePolicy> = Object.freeze({
  enforced: false,
  type: "numeric",
  minLength: 8,
  complexity: "none",
});

/** Optional field: missing or null takes the default. */
const opt = <T extends z.ZodType>(schema: T, fallback: z.output<T>) =>
  schema.nullish().transform((v) => (v ?? fallback) as z.output<T>);

const NO_CONTROL = /^\P{Cc}*$/u;
const label = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(NO_CONTROL, "must not contain line breaks or control characters");
const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("expected an email address like alice@example.com"));

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** ISO 8601 date ("2026-11-20", UTC midnight) or date-time with a zone; real calendar dates only. */
export function parseIsoDate(s: string): Date | null {
  const m = ISO_DATE.exec(s);
  if (!m) return null;
  const [y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0] = m
    .slice(1)
    .map((x) => (x ? Number(x) : undefined));
  const day = new Date(Date.UTC(y as number, (mo as number) - 1, d));
  if (day.getUTCMonth() !== (mo as number) - 1 || day.getUTCDate() !== d) return null;
  if (h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59) return null;
  const date = new Date(s);
  return Number.isNaN(date.getTime()) ? null : date;
}

const lastSeenAt = z
  .string()
  .trim()
  .nullish()
  .transform((s, ctx) => {
    if (s === null || s === undefined || s === "") return null;
    const date = parseIsoDate(s);
    if (date) return date;
    ctx.addIssue({
      code: "custom",
      message: `expected an ISO 8601 date-time with a time zone, like 2026-11-20T10:00:00Z, or empty; got ${JSON.stringify(s)}`,
    });
    return z.NEVER;
  });

export const personSchema = z.object({
  email,
  name: label,
  // Left out when not given: new people become employees, and a re-import keeps a role set elsewhere.
  role: z.enum(["admin", "employee"]).nullish(),
});

const policySchema = z.object({
  enforced: opt(z.boolean(), DEFAULT_PASSCODE_POLICY.enforced),
  type: opt(z.enum(PASSCODE_TYPES), DEFAULT_PASSCODE_POLICY.type),
  minLength: opt(z.number().int().min(0).max(64), DEFAULT_PASSCODE_POLICY.minLength),
  complexity: opt(z.enum(COMPLEXITIES), DEFAULT_PASSCODE_POLICY.complexity),
});

export const deviceSchema = z.object({
  id: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(100, "must be at most 100 characters")
    .regex(/^\S+$/, "must not contain spaces (admins type it in chat commands)"),
  owner: email,
  name: label,
  platform: z.enum(PLATFORMS),
  osVersion: z
    .string()
    .trim()
    .regex(/^\d{1,5}(\.\d{1,9}){0,3}$/, "expected a version number like 7.1.2"),
  managementMode: z.enum(MANAGEMENT_MODES),
  passcodeSet: z.boolean(),
  passcodePolicy: policySchema.nullish().transform((p) => p ?? { ...DEFAULT_PASSCODE_POLICY }),
  resetTokenActive: opt(z.boolean(), false),
  lastSeenAt,
  pendingAction: z
    .enum(PENDING_ACTIONS)
    .nullish()
    .transform((v) => v ?? null),
});

export function shown(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "an object";
  if (typeof input === "string")
    return JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}...` : input);
  return String(input);
}

const EXPECTED: Record<string, string> = { int: "a whole number", array: "a list", object: "an object" };

export const errorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.input === undefined && (iss.code === "invalid_type" || iss.code === "invalid_value"))
    return "is required";
  switch (iss.code) {
    case "invalid_type":
      return `expected ${EXPECTED[iss.expected] ?? `a ${iss.expected}`}, got ${shown(iss.input)}`;
    case "invalid_value":
      return `expected one of ${iss.values.join(", ")}, got ${shown(iss.input)}`;
    case "too_small":
      return `must be at least ${iss.minimum}`;
    case "too_big":
      return `must be at most ${iss.maximum}`;
    default:
      return undefined;
  }
};
