// Reading what Slack sends back from a modal: the chosen device and the metadata the view
// carried. Both are client-supplied: handlers re-check everything they imply.
import { ACTIONS, BLOCKS } from "../ids.ts";

type Values = Record<
  string,
  Record<string, { selected_option?: { value?: string } | null; selected_options?: unknown[] }>
>;

export function selectedDevice(values: unknown): string | null {
  return (values as Values)[BLOCKS.device]?.[ACTIONS.device]?.selected_option?.value ?? null;
}

export function notifyTicked(values: unknown): boolean {
  return ((values as Values)[BLOCKS.notifyUser]?.[ACTIONS.notifyUser]?.selected_options?.length ?? 0) > 0;
}

export function readMeta<T>(text: string | undefined): T | null {
  try {
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}
