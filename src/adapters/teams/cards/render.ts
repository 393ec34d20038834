// Cards are adaptivecards-templating templates (the JSON files next to this) bound to plain data
// built from core results. Expanded values are never re-evaluated, so a name such as "${x}" in
// the inventory is shown as written.
import { Template } from "adaptivecards-templating";
import { platformLabel } from "../../../core/labels.ts";
import type { Device } from "../../../core/types.ts";
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

export function render(name: TemplateName, data: Record<string, unknown>): Card {
  let template = parsed.get(name);
  if (!template) {
    template = new Template(TEMPLATES[name]);
    parsed.set(name, template);
  }
  return template.expand({ $root: data }) as Card;
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

/** A time as cards show it: "2025-01-31 14:05Z" (Teams cards have no local time formatting here). */
export function cardTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")}Z`;
}
