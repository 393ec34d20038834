// Reading what Slack sends back from a modal: the chosen device and the metadata the view
// carried. Both are client-supplied: handlers re-check everything they imply.
import { ACTIONS, BLOCKS } from "../ids.ts";

type Values = Record<
  string,
  Record<string, { selected_option?: { value?: string } | null; selected_options?: unknown[] }>
>;

export function selectedDevice(values: unknown): string | null {
  const value = (values as Values | null)?.[BLOCKS.device]?.[ACTIONS.device]?.selected_option?.value;
  return typeof value === "string" && value !== "" ? value : null;
}

export function notifyTicked(values: unknown): boolean {
  const ticked = (values as Values | null)?.[BLOCKS.notifyUser]?.[ACTIONS.notifyUser]?.selected_options;
  return Array.isArray(ticked) && ticked.length > 0;
}

/** Which type each metadata field of our views has (c channel, o owner, d device, a action, n notify). */
const META_TYPES: Record<string, "string" | "boolean"> = {
  c: "string",
  o: "string",
  d: "string",
  a: "string",
  n: "boolean",
};

/**
 * The view's metadata, or null when it is not an object whose known fields have their types, or
 * lacks one of `required` (a crafted "{}" is refused here, not deep in a handler before its ack).
 */
export function readMeta<T extends object>(
  text: string | undefined,
  required: readonly (keyof T & string)[],
): T | null {
  let meta: unknown;
  try {
    meta = text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
  if (!meta || typeof meta !== "object" || Array.isArray(meta)) return null;
  const fields = meta as Record<string, unknown>;
  for (const [key, type] of Object.entries(META_TYPES)) {
    if (key in fields && typeof fields[key] !== type) return null;
  }
  if (required.some((key) => !(key in fields))) return null;
  return meta as T;
}
