// Use cases: writing one audit row where a surface or an adapter refuses something on its own
// (a forged Teams activity, a Slack account it cannot trust, a throttled device API caller), and
// reading the trail (the CLI's `audit`, the Playground's inspector). Every row's kind is one of
// audit-actions.ts.
import type { Engine } from "./engine.ts";
import type { AuditInput } from "./ports.ts";
import type { AuditEntry } from "./types.ts";

export function recordAudit(engine: Engine, entry: AuditInput): Promise<void> {
  return engine.stores.audit.append(entry);
}

/** The trail, oldest first: since `since` when given, at most `limit` rows when given. */
export function auditTrail(
  engine: Engine,
  filter: { since?: Date; limit?: number } = {},
): Promise<AuditEntry[]> {
  return engine.stores.audit.list(filter);
}
