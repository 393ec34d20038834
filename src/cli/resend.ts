// `latchkey resend <requestId> --as <admin>`: send a kept passcode again whose every delivery
// failed (core/reset/resend-passcode.ts). The operator reads the outcome; the passcode itself goes
// only to the request's own recipients, never to this terminal.
import type { Engine } from "../core/engine.ts";
import { resendPasscode } from "../core/reset/resend-passcode.ts";
import { type Io, UsageError } from "./commands.ts";

export async function resend(
  engine: Engine,
  io: Io,
  id: string | undefined,
  as: string | undefined,
): Promise<number> {
  if (!id || !as) throw new UsageError("usage: latchkey resend <requestId> --as <adminEmail>");
  const r = await resendPasscode(engine, { actorEmail: as, requestId: id, surface: "cli" });
  if (r.status !== "sent") {
    io.err(r.message);
    return 1;
  }
  if (r.sent.length > 0) io.out(`Sent privately to ${r.sent.join(", ")}.`);
  if (r.retrying.length > 0) io.out(`Still trying: ${r.retrying.join(", ")} (see the timeline).`);
  if (r.failed.length > 0) io.out(`Failed again: ${r.failed.join(", ")} (see the timeline).`);
  return r.sent.length > 0 ? 0 : 1;
}
