// Cards are adaptivecards-templating templates (the JSON files next to this) bound to plain data
// built from core results. Expanded values are never re-evaluated, so a name such as "${x}" in
// the inventory is shown as written. Text that comes from outside Latchkey is escaped here, at
// binding, so no card builder can forget it (markdown.ts says why).
import { Template } from "adaptivecards-templating";
import { platformLabel } from "../../../core/labels.ts";
import type { Device } from "../../../core/types.ts";
import { escapeMarkdown } from "./markdown.ts";
import details from "./templates/details.json" with { type: "json" };
import lostConfirm from "./templates/lost-confirm.json" with { type: "json" };
import lostForm from "./templates/lost-form.json" with { type: "json" };
import message from "./templates/message.json" with { type: "json" };
import myDevices from "./templates/my-devices.json" with { type: "json" };
import passcode from "./templates/passcode.json" with { type: "json" };
import personForm from "./templates/person-form.json" with { type: "json" };
import resetConfirm from "./templates/reset-confirm.json" with { type: "json" };
import resetForm from "./templates/reset-form.json" with { type: "json" };
import status from "./templates/status.json" with { type: "json" };

const TEMPLATES = {
  status,
  message,
  personForm,
  resetForm,
  resetConfirm,
  lostForm,
  lostConfirm,
  passcode,
  details,
  myDevices,
};

export type TemplateName = keyof typeof TEMPLATES;
export type Card = Record<string, unknown>;

export const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";

/**
 * Parsed once per template: a Template parses every `${…}` (an ANTLR grammar) when it is built,
 * which cost up to a quarter of a second of CPU per card; expanding a parsed one is cheap.
 */
const parsed = new Map<TemplateName, Template>();

/**
 * The data fields, at any depth, whose text can come from outside: a request's outcome and a
 * timeline event's detail (they carry device failure reasons and cancel or reject reasons), and a
 * refusal's reason. Each is shown only in TextBlocks, where Teams reads Markdown.
 */
const FREE_TEXT_FIELDS = new Set(["outcome", "detail", "reason"]);

function escapeFreeText(value: unknown, key: string | null): unknown {
  if (typeof value === "string")
    return key !== null && FREE_TEXT_FIELDS.has(key) ? escapeMarkdown(value) : value;
  if (Array.isArray(value)) return value.map((v) => escapeFreeText(v, null));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeFreeText(v, k)]));
  }
  return value;
}

export function render(name: TemplateName, data: Record<string, unknown>): Card {
  let template = parsed.get(name);
  if (!template) {
    template = new Template(TEMPLATES[name]);
    parsed.set(name, template);
  }
  return template.expand({ $root: escapeFreeText(data, null) }) as Card;
}

export function attachment(card: Card) {
  return { contentType: ADAPTIVE_CARD, content: card };
}

/** A card that only tells something (not allowed, unknown user, done). */
export function messageCard(title: string, ...lines: string[]): Card {
  return render("message", { title, lines: lines.filter(Boolean) });
}

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** "Galaxy S7 · Android 6.0". */
export function deviceLabel(device: Pick<Device, "name" | "platform" | "osVersion">): string {
  return `${device.name} · ${platformLabel(device)}`;
}
