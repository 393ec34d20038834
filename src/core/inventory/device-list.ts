// Use cases: the inventory as an operator, the Playground or the simulator reads and fills it. A
// listed device carries what the capability check says now; an import is all or nothing, audited.
import type { Capability } from "../capability.ts";
import type { Engine } from "../engine.ts";
import type { AuditInput, DeviceInput, PersonInput } from "../ports.ts";
import { assessDevice } from "../reset/device-choices.ts";
import type { Device, Person, ResetRequest } from "../types.ts";

export interface ListedDevice {
  device: Device;
  capability: Capability;
}

/** Every device (one owner's, when given), each with what Latchkey may do with it now. */
export async function deviceList(
  engine: Engine,
  filter: { ownerEmail?: string } = {},
): Promise<ListedDevice[]> {
  const devices = await engine.stores.directory.listDevices(
    filter.ownerEmail ? { ownerEmail: filter.ownerEmail.trim().toLowerCase() } : {},
  );
  return devices.map((device) => ({ device, capability: assessDevice(engine, device, null) }));
}

/** One device with its request in progress, if any, and the capability check as a reset would run it. */
export async function deviceCheck(
  engine: Engine,
  id: string,
): Promise<(ListedDevice & { active: ResetRequest | null }) | null> {
  const device = await engine.stores.directory.device(id);
  if (!device) return null;
  const active = await engine.stores.requests.activeForDevice(id);
  return { device, active, capability: assessDevice(engine, device, active) };
}

/** Devices of Latchkey's own agent (the simulator plays only these; never an MDM's device). */
export async function agentDevice(engine: Engine, id: string): Promise<Device | null> {
  const device = await engine.stores.directory.device(id);
  return device?.backend === "agent" ? device : null;
}

export async function agentDevices(engine: Engine): Promise<Device[]> {
  return (await engine.stores.directory.listDevices()).filter((d) => d.backend === "agent");
}

/** The device owners (and `also`, e.g. the configured admins) known to the inventory, by email. */
export async function peopleWithDevices(engine: Engine, also: string[] = []): Promise<Person[]> {
  const { directory } = engine.stores;
  const emails = new Set([...(await directory.listDevices()).map((d) => d.ownerEmail), ...also]);
  const found = await Promise.all([...emails].sort().map((e) => directory.person(e)));
  return found.flatMap((p) => (p ? [p] : []));
}

/** Upserts people and devices in one transaction with its audit row: all or nothing. */
export function importInventory(
  engine: Engine,
  people: PersonInput[],
  devices: DeviceInput[],
  audit?: AuditInput,
): Promise<{ people: number; devices: number }> {
  return engine.stores.directory.upsertInventory(people, devices, audit);
}

export async function inventoryIsEmpty(engine: Engine): Promise<boolean> {
  return (await engine.stores.directory.countDevices()) === 0;
}
