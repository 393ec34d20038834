// Intune's managedDevices as the fake Graph serves them (test/support/fake-graph.ts): plausible
// device records; the collection paged with @odata.nextLink; one device, with `deviceType` on /beta
// only and `$select` honoured loosely; the resetPasscode and remoteLock actions, recorded, each
// walking through its script one step per following GET of the device.
import { randomInt } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { graphError, send } from "./fake-graph-http.ts";

export type ActionName = "resetPasscode" | "remoteLock";
export type ActionState = "none" | "pending" | "canceled" | "active" | "done" | "failed" | "notSupported";
export type ActionStep =
  | ActionState
  | { actionState: ActionState; passcode?: string; errorCode?: number; unlockPin?: string };

export type ManagedDevice = Record<string, unknown> & { id: string };

/** A managedDevice with plausible v1.0 fields (an Android Enterprise fully managed phone); override any. */
export function managedDevice(fields: Partial<ManagedDevice> & { id: string }): ManagedDevice {
  return {
    deviceName: `Phone ${fields.id}`,
    userPrincipalName: "ana@contoso.example",
    emailAddress: "ana@contoso.example",
    userDisplayName: "Ana",
    userId: "u-ana",
    operatingSystem: "Android",
    osVersion: "14",
    ownerType: "company",
    managedDeviceOwnerType: "company",
    managementAgent: "mdm",
    deviceEnrollmentType: "androidEnterpriseFullyManaged",
    deviceType: "androidEnterprise",
    lastSyncDateTime: new Date().toISOString(),
    enrolledDateTime: "2026-01-01T00:00:00Z",
    serialNumber: `SN-${fields.id}`,
    model: "Pixel 8",
    manufacturer: "Google",
    deviceActionResults: [],
    ...fields,
  };
}

export interface ActionRun {
  steps: ActionStep[];
  index: number;
  startedAt: string;
  started: boolean;
}

/** The scripted and started actions, per device. */
export type ActionRuns = Map<string, Map<ActionName, ActionRun>>;

/** What the routes read and record on the fake (its FakeGraph). */
export interface DeviceService {
  url: string;
  pageSize: number;
  nextLinkBase: string | null;
  devices: Map<string, ManagedDevice>;
  actions: { deviceId: string; action: ActionName; at: Date }[];
  passcodes: Map<string, string>;
}

const DEVICES_PATH =
  /^\/(v1\.0|beta)\/deviceManagement\/managedDevices(?:\/([^/]+))?(?:\/(resetPasscode|remoteLock))?$/;

function select(d: ManagedDevice, version: string, query: URLSearchParams): Record<string, unknown> {
  const { deviceType, ...v1 } = d;
  const full: Record<string, unknown> = version === "beta" ? { ...v1, deviceType } : v1;
  const fields = query
    .get("$select")
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (!fields || fields.length === 0) return full;
  return Object.fromEntries(Object.entries(full).filter(([k]) => k === "id" || fields.includes(k)));
}

/** The managedDevices routes (collection, device, action) on `graph`, its actions' state in `runs`. */
export function managedDevicesRoute(graph: DeviceService, runs: ActionRuns) {
  const url = graph.url;

  // Each GET of a device moves its scripted actions one step on, then shows where they are.
  function advance(d: ManagedDevice): ManagedDevice {
    const perDevice = runs.get(d.id);
    if (!perDevice) return d;
    const results = [...((d.deviceActionResults as unknown[]) ?? [])];
    for (const [action, run] of perDevice) {
      if (!run.started) continue;
      run.index = Math.min(run.index + 1, run.steps.length - 1);
      const step = run.steps[run.index] ?? "pending";
      const s = typeof step === "string" ? { actionState: step } : step;
      const entry: Record<string, unknown> = {
        "@odata.type": `#microsoft.graph.${action}ActionResult`,
        actionName: action,
        actionState: s.actionState,
        startDateTime: run.startedAt,
        lastUpdatedDateTime: new Date().toISOString(),
      };
      if (action === "resetPasscode") {
        entry.errorCode = s.errorCode ?? 0;
        entry.passcode = null;
        if (s.actionState === "done") {
          const passcode = s.passcode ?? graph.passcodes.get(d.id) ?? String(randomInt(100000, 1000000));
          graph.passcodes.set(d.id, passcode);
          entry.passcode = passcode;
        }
      } else {
        const macos = String(d.operatingSystem).toLowerCase() === "macos";
        entry.unlockPin = s.unlockPin ?? (macos && s.actionState === "done" ? "482913" : null);
        if (s.errorCode !== undefined) entry.errorCode = s.errorCode;
      }
      results.push(entry);
    }
    return { ...d, deviceActionResults: results };
  }

  return function graphRoute(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ) {
    const m = DEVICES_PATH.exec(path);
    if (!m) return graphError(res, 404, "UnknownPath");
    const [, version = "v1.0", id, action] = m;
    if (req.method === "GET" && !id) {
      const all = [...graph.devices.values()];
      const skip = Number(query.get("$skiptoken") ?? "0");
      const top = Math.min(graph.pageSize, Number(query.get("$top") ?? graph.pageSize) || graph.pageSize);
      const value = all.slice(skip, skip + top).map((d) => select(d, version, query));
      const body: Record<string, unknown> = {
        "@odata.context": `${url}/${version}/$metadata#deviceManagement/managedDevices`,
        value,
      };
      if (skip + top < all.length) {
        const next = new URLSearchParams(query);
        next.set("$skiptoken", String(skip + top));
        body["@odata.nextLink"] =
          `${graph.nextLinkBase ?? url}/${version}/deviceManagement/managedDevices?${next}`;
      }
      return send(res, 200, body);
    }
    const device = id ? graph.devices.get(decodeURIComponent(id)) : undefined;
    if (!device) return graphError(res, 404, "ResourceNotFound");
    if (req.method === "GET" && !action) return send(res, 200, select(advance(device), version, query));
    if (req.method === "POST" && action) {
      const name = action as ActionName;
      graph.actions.push({ deviceId: device.id, action: name, at: new Date() });
      if (name === "resetPasscode") graph.passcodes.delete(device.id); // a new reset, a new passcode
      const perDevice = runs.get(device.id) ?? new Map<ActionName, ActionRun>();
      runs.set(device.id, perDevice);
      const run = perDevice.get(name) ?? {
        steps: ["pending", "done"],
        index: -1,
        startedAt: "",
        started: false,
      };
      perDevice.set(name, { ...run, index: -1, started: true, startedAt: new Date().toISOString() });
      return send(res, 204);
    }
    return graphError(res, 405, "MethodNotAllowed");
  };
}
