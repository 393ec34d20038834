// `latchkey sync intune`: one inventory sync now, with the same use case and audit row as the
// scheduler's. Prints the counts; exit 1 when the sync stopped (nothing is retired then).
import type { IntuneWiring } from "../adapters/intune/intune-wiring.ts";
import type { Engine } from "../core/engine.ts";
import { syncSummary } from "../core/inventory/sync-intune.ts";
import { type Io, UsageError } from "./commands.ts";

export async function syncCommand(
  engine: Engine,
  io: Io,
  source: string | undefined,
  intune: IntuneWiring | null,
): Promise<number> {
  if (source !== "intune") throw new UsageError("usage: latchkey sync intune");
  if (!intune) {
    io.err(
      "Intune is not configured: set INTUNE_TENANT_ID, INTUNE_CLIENT_ID and INTUNE_CLIENT_SECRET (see the README's Intune set-up).",
    );
    return 2;
  }
  const r = await intune.sync(engine, { actor: "operator", surface: "cli" });
  if (!r.ok) {
    io.err(`The Intune sync stopped (${syncSummary(r.counts)} so far; nothing was retired): ${r.error}`);
    return 1;
  }
  io.out(`Intune sync: ${syncSummary(r.counts)}.`);
  return 0;
}
