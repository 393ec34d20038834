// Use cases: what a person sees of Latchkey on their own, "my devices" (Slack's App Home, Teams'
// "my devices") and "status" (their latest requests, or everyone's for an admin). Each surface
// words the answer; none decides who sees what.
import { resolveActor } from "../authorization.ts";
import type { Engine } from "../engine.ts";
import { can } from "../policy.ts";
import type { Person } from "../types.ts";
import { type DeviceChoice, ownDevices } from "./device-choices.ts";
import { type RequestSummary, recentRequests } from "./request-status.ts";

/** Someone the chat platform knows but the inventory does not: nothing to show (the surface says how to fix it). */
export interface NotInInventory {
  status: "not_in_inventory";
  email: string;
}

export type HomeScreen =
  | NotInInventory
  | {
      status: "ok";
      person: Person;
      /** Their own devices, each with what a lost report would do now. */
      devices: DeviceChoice[];
      /** May see every request: the latest ones are shown (empty for an employee). */
      seesAll: boolean;
      recent: RequestSummary[];
    };

/** `recentLimit` 0: the devices only (Teams' "my devices" shows no request list). */
export async function homeScreen(engine: Engine, email: string, recentLimit = 10): Promise<HomeScreen> {
  const person = await resolveActor(engine, email);
  if (!person) return { status: "not_in_inventory", email: email.trim().toLowerCase() };
  const seesAll = can(person, "see_all").allowed;
  return {
    status: "ok",
    person,
    devices: await ownDevices(engine, person.email),
    seesAll,
    recent:
      seesAll && recentLimit > 0
        ? await recentRequests(engine, { actorEmail: person.email, limit: recentLimit })
        : [],
  };
}

/** "status" without a request id: the latest requests this person may see. */
export async function latestRequests(
  engine: Engine,
  email: string,
  limit = 10,
): Promise<NotInInventory | { status: "ok"; list: RequestSummary[] }> {
  if (!(await resolveActor(engine, email)))
    return { status: "not_in_inventory", email: email.trim().toLowerCase() };
  return { status: "ok", list: await recentRequests(engine, { actorEmail: email, limit }) };
}
