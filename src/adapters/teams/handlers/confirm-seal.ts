// A confirmation card carries what it showed (device, owner, whether the device user also gets
// the passcode) back to the bot in its button's data, where anyone who can craft an invoke could
// change it. The card is sealed instead: an HMAC under the server's key over who confirmed, the
// nonce, and exactly what was shown. A start whose data does not match its seal is refused, and
// the nonce is the idempotency key, so a retried or doubled submit still starts one request.
import { timingSafeEqual } from "node:crypto";
import type { Engine } from "../../../core/engine.ts";

export interface Confirmation {
  kind: "reset" | "report_lost";
  actorEmail: string;
  nonce: string;
  deviceId: string;
  owner: string;
  notify: boolean;
}

export function sealConfirmation(engine: Engine, c: Confirmation): string {
  const shown = [c.kind, c.actorEmail, c.nonce, c.deviceId, c.owner, c.notify ? "notify" : "alone"];
  return engine.secrets.digest("teams.confirmation", shown.join("\0"));
}

export function confirmationHolds(engine: Engine, c: Confirmation, seal: string): boolean {
  if (!c.nonce || !seal) return false;
  const expected = Buffer.from(sealConfirmation(engine, c));
  const given = Buffer.from(seal);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
