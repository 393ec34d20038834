// The demo inventory (demo/inventory.json), loaded into an empty database on the embedded default.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../core/engine.ts";
import { importInventory, inventoryIsEmpty } from "../core/inventory/device-list.ts";
import { parseInventory } from "./parse-inventory.ts";

/** Loads it when the inventory is empty; returns how many devices it added (0: nothing done). */
export async function loadDemoInventory(engine: Engine, projectRoot: string): Promise<number> {
  if (!(await inventoryIsEmpty(engine))) return 0;
  const parsed = parseInventory(readFileSync(join(projectRoot, "demo", "inventory.json"), "utf8"), "json");
  if (!parsed.ok) throw new Error(`demo/inventory.json is invalid: ${parsed.errors[0]?.message}`);
  const { devices } = await importInventory(engine, parsed.people, parsed.devices);
  return devices;
}
