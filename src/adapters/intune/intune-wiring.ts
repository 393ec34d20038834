// Builds the Intune back-end's pieces from its settings (INTUNE_*), for the composition root and the
// CLI: the Graph client (token by client credentials), the device commands, the inventory source,
// and the scheduler's sync duty. Null when Intune is not configured: nothing of it runs.
import { hostname } from "node:os";
import type { IntuneConfig } from "../../config-intune.ts";
import type { Engine } from "../../core/engine.ts";
import type { ManagedDeviceRecord } from "../../core/inventory/mdm-ports.ts";
import { windowedDuty } from "../../core/inventory/sync-duty.ts";
import { type SyncResult, syncIntune } from "../../core/inventory/sync-intune.ts";
import type { MdmCommands } from "../../core/mdm/mdm-port.ts";
import type { Logger } from "../../core/ports.ts";
import type { Duty } from "../../core/reset/sweep.ts";
import type { Surface } from "../../core/types.ts";
import { createGraphClient } from "./graph-client.ts";
import type { GraphClient } from "./graph-port.ts";
import { createGraphToken } from "./graph-token.ts";
import { intuneCommands } from "./intune-commands.ts";
import { managedDevicePages } from "./intune-inventory.ts";

export const INTUNE_SYNC_DUTY = "sync-intune";

export interface IntuneWiring {
  graph: GraphClient;
  /** resetPasscode and remoteLock, and their results: the core's MDM port. */
  commands: MdmCommands;
  pages(): AsyncIterable<ManagedDeviceRecord[]>;
  /** One sync now, page by page, with its audit row. */
  sync(engine: Engine, by: { actor: string; surface: Surface }): Promise<SyncResult>;
  /** The scheduler's duties: the sync every INTUNE_SYNC_EVERY, on one replica at a time. */
  duties: Duty[];
}

export function intuneWiring(
  settings: IntuneConfig | null,
  log: Logger,
  opts: { ca?: string } = {},
): IntuneWiring | null {
  if (!settings) return null;
  const ca = opts.ca ? { ca: opts.ca } : {};
  const token = createGraphToken({
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authorityUrl: settings.authorityUrl,
    graphUrl: settings.graphUrl,
    log,
    ...ca,
  });
  const graph = createGraphClient({ graphUrl: settings.graphUrl, token, log, ...ca });
  const pages = () => managedDevicePages(graph);
  const sync = (engine: Engine, by: { actor: string; surface: Surface }) => syncIntune(engine, pages(), by);
  const duty = windowedDuty({
    name: INTUNE_SYNC_DUTY,
    everyMs: settings.syncEveryMs,
    owner: `${hostname()}:${process.pid}`,
    run: async (engine) => {
      const r = await sync(engine, { actor: "scheduler", surface: "system" });
      // A failed sync is already audited and logged; failing the run makes the job metrics say so.
      if (!r.ok) throw new Error(`Intune sync failed: ${r.error}`);
      return r;
    },
  });
  return { graph, commands: intuneCommands(graph), pages, sync, duties: [duty] };
}
