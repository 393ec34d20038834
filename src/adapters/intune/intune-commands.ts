// Intune's device commands through Microsoft Graph, as the core's MDM port (core/mdm/mdm-port.ts):
//   POST /v1.0/deviceManagement/managedDevices/{id}/resetPasscode | /remoteLock   (no body; 204)
//   GET  /v1.0/deviceManagement/managedDevices/{id}?$select=deviceActionResults   (how each went)
// A resetPasscodeActionResult carries the passcode Intune generated and a remoteLockActionResult on
// macOS the unlock PIN: both are handed to the core as a secret and never logged here. Graph's
// errors are turned into plain sentences for an IT admin (what happened, what to do).
import { z } from "zod";
import type {
  MdmAction,
  MdmActionResult,
  MdmActionState,
  MdmCommands,
  MdmReadResult,
  MdmSendResult,
} from "../../core/mdm/mdm-port.ts";
import { type GraphClient, GraphError, GraphUnreachable } from "./graph-port.ts";

const STATES: readonly MdmActionState[] = [
  "none",
  "pending",
  "active",
  "done",
  "failed",
  "notSupported",
  "canceled",
];

// Loose on purpose: Graph adds fields, and one odd entry must not hide the others.
const Entry = z.object({
  actionName: z.string().max(100).nullish(),
  actionState: z.string().max(100).nullish(),
  startDateTime: z.string().max(100).nullish(),
  passcode: z.string().max(200).nullish(),
  unlockPin: z.string().max(200).nullish(),
  errorCode: z.number().int().nullish(),
});
const Answer = z.object({ deviceActionResults: z.array(z.unknown()).max(1000).nullish() });

const PERMISSION =
  "Latchkey's app registration lacks the application permission DeviceManagementManagedDevices.PrivilegedOperations.All " +
  "(or its admin consent): grant it in the Entra admin center (App registrations > Latchkey > API permissions).";

function devicePath(deviceId: string): string {
  return `/v1.0/deviceManagement/managedDevices/${encodeURIComponent(deviceId)}`;
}

function actionOf(name: string | null | undefined): MdmAction | null {
  const n = (name ?? "").toLowerCase();
  return n === "resetpasscode" ? "resetPasscode" : n === "remotelock" ? "remoteLock" : null;
}

function dateOf(text: string | null | undefined): Date | null {
  if (!text) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Each command's latest entry (by start time) from Graph's deviceActionResults. */
export function actionResults(body: unknown): MdmActionResult[] {
  const parsed = Answer.safeParse(body);
  if (!parsed.success) return [];
  const latest = new Map<MdmAction, MdmActionResult>();
  for (const raw of parsed.data.deviceActionResults ?? []) {
    const e = Entry.safeParse(raw);
    if (!e.success) continue;
    const action = actionOf(e.data.actionName);
    if (!action) continue;
    const state = STATES.find((s) => s.toLowerCase() === (e.data.actionState ?? "").toLowerCase()) ?? "none";
    const secret = action === "resetPasscode" ? e.data.passcode : e.data.unlockPin;
    const result: MdmActionResult = {
      action,
      state,
      startedAt: dateOf(e.data.startDateTime),
      secret: secret ? secret : null,
      errorCode: e.data.errorCode ?? null,
    };
    const seen = latest.get(action);
    if (!seen || (result.startedAt?.getTime() ?? 0) >= (seen.startedAt?.getTime() ?? 0)) {
      latest.set(action, result);
    }
  }
  return [...latest.values()];
}

function refusedWords(e: GraphError, action: MdmAction): string {
  const what = action === "resetPasscode" ? "the passcode reset" : "the remote lock";
  if (e.status === 401 || e.status === 403) return `Intune refused ${what}: ${PERMISSION}`;
  if (e.status === 404)
    return `Intune no longer has this device, so it cannot take ${what}. Run latchkey sync intune.`;
  return `Intune refused ${what}: ${e.message}`;
}

export function intuneCommands(graph: GraphClient): MdmCommands {
  return {
    async send(deviceId: string, action: MdmAction): Promise<MdmSendResult> {
      try {
        await graph.post(`${devicePath(deviceId)}/${action}`);
        return { ok: true };
      } catch (e) {
        if (e instanceof GraphUnreachable) {
          return e.mayHaveActed
            ? { ok: false, kind: "unknown", message: e.message }
            : { ok: false, kind: "transient", message: e.message };
        }
        if (e instanceof GraphError) {
          // Throttled past the client's patience, or unavailable: Intune did not act.
          if (e.status === 429 || e.status === 503)
            return { ok: false, kind: "transient", message: e.message };
          // Any other 5xx to a POST: Graph may have passed it on before failing.
          if (e.status >= 500) return { ok: false, kind: "unknown", message: e.message };
          return { ok: false, kind: "refused", message: refusedWords(e, action) };
        }
        return { ok: false, kind: "transient", message: e instanceof Error ? e.message : String(e) };
      }
    },
    async results(deviceId: string): Promise<MdmReadResult> {
      try {
        const body = await graph.get<unknown>(`${devicePath(deviceId)}?$select=deviceActionResults`);
        return { ok: true, results: actionResults(body) };
      } catch (e) {
        if (e instanceof GraphError && e.status === 404) {
          return { ok: false, kind: "gone", message: "Intune no longer has this device." };
        }
        if (e instanceof GraphError && (e.status === 401 || e.status === 403)) {
          return {
            ok: false,
            kind: "transient",
            message: `Intune refused to show the device: ${PERMISSION}`,
          };
        }
        return { ok: false, kind: "transient", message: e instanceof Error ? e.message : String(e) };
      }
    },
  };
}
