// The audit trail of refused device API calls (a wrong enrollment code, an unknown device id, a
// missing or invalid device secret), kept small whatever callers send. The audit table is never
// pruned and these calls need no credentials, so a row per refusal would let anyone grow it
// without end with text of their choosing. Per client address and window (aligned to the clock:
// 10:00-10:10 UTC) the first refusal is audited at once, so an auditor sees an attack begin;
// the rest are only counted, and written as one summary row when the window closes. Every text a
// caller chose is cut short, stripped of control characters and quoted. Memory is bounded: past
// `maxAddresses` addresses in a window, refusals are counted into one row for "other addresses".

import { recordAudit } from "../../core/audit-trail.ts";
import { type Engine, errorText } from "../../core/engine.ts";
import { callerText } from "../../core/free-text.ts";

export type RefusalKind = "enroll" | "secret";

export interface RefusalAudit {
  /** Counts a refusal; resolves once its row, if it gets one of its own, is written. */
  refused(client: string, kind: RefusalKind, deviceId?: string): Promise<void>;
  /** Writes the summary of the open window now, and waits for every row still being written. */
  flush(): Promise<void>;
}

export interface RefusalAuditOptions {
  windowMs?: number;
  maxAddresses?: number;
}

/** Longest caller-chosen text kept in a row (device ids are up to 200 characters otherwise). */
export const MAX_TEXT = 64;
const SHOWN_IDS = 5;
const COUNTED_IDS = 32;
const OTHERS = "other addresses";

interface Tally {
  enroll: number;
  secret: number;
  ids: Set<string>;
  /** More distinct ids were tried than `COUNTED_IDS`. */
  moreIds: boolean;
}

export function createRefusalAudit(engine: Engine, opts: RefusalAuditOptions = {}): RefusalAudit {
  const windowMs = opts.windowMs ?? 600_000;
  const maxAddresses = opts.maxAddresses ?? 1_000;
  let windowStart = 0;
  let tallies = new Map<string, Tally>();
  let timer: NodeJS.Timeout | undefined;
  const writing = new Set<Promise<void>>();

  const failed = (err: unknown) =>
    engine.log.error({ err: errorText(err) }, "could not audit refused device API calls");
  function track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => writing.delete(tracked));
    writing.add(tracked);
    return tracked;
  }

  function closeWindow(): void {
    clearTimeout(timer);
    timer = undefined;
    const closed = tallies;
    const span = windowText(windowStart, windowMs);
    tallies = new Map();
    // One row at a time: a window closing with many addresses is no burst of writes.
    const rows = [...closed].flatMap(([client, tally]) => {
      const others = client === OTHERS;
      // An address audited with a row of its own and nothing since needs no summary.
      if (!others && tally.enroll + tally.secret <= 1) return [];
      return [
        {
          actor: others ? "client:other" : `client:${client}`,
          detail: summaryText(others ? null : client, tally, span, maxAddresses),
        },
      ];
    });
    track(
      (async () => {
        for (const row of rows) {
          await recordAudit(engine, {
            ...row,
            surface: "device",
            action: "device.refusals",
            outcome: "refused",
          }).catch(failed);
        }
      })(),
    );
  }

  function tallyOf(client: string, at: number): { tally: Tally; first: boolean } {
    const start = at - (at % windowMs);
    if (start !== windowStart) {
      if (tallies.size > 0) closeWindow();
      windowStart = start;
    }
    if (!timer) {
      timer = setTimeout(closeWindow, Math.max(0, start + windowMs - at));
      timer.unref();
    }
    const known = tallies.get(client);
    if (known) return { tally: known, first: false };
    // The "other addresses" row is not counted against the cap, so the map holds one more.
    const key = tallies.size - (tallies.has(OTHERS) ? 1 : 0) >= maxAddresses ? OTHERS : client;
    const tally = tallies.get(key) ?? { enroll: 0, secret: 0, ids: new Set<string>(), moreIds: false };
    tallies.set(key, tally);
    return { tally, first: key !== OTHERS };
  }

  return {
    async refused(client, kind, deviceId) {
      const at = engine.clock.now().getTime();
      const { tally, first } = tallyOf(client, at);
      tally[kind]++;
      const id = deviceId === undefined ? null : callerText(deviceId, MAX_TEXT);
      if (id !== null) {
        if (tally.ids.size < COUNTED_IDS) tally.ids.add(id);
        else if (!tally.ids.has(id)) tally.moreIds = true;
      }
      if (!first) return;
      const until = new Date(windowStart + windowMs).toISOString().slice(11, 16);
      const what =
        kind === "enroll"
          ? `enrollment refused from ${client} for device id ${JSON.stringify(id ?? "")}: unknown device or invalid or expired enrollment code`
          : `device API call refused from ${client}: missing or invalid device secret`;
      const row = {
        actor: `client:${client}`,
        surface: "device",
        action: kind === "enroll" ? "device.enroll" : "device.authenticate",
        outcome: "refused",
        deviceId: id,
        detail: `${what}; further refusals from this address until ${until} UTC are counted in one row`,
      } as const;
      await track(recordAudit(engine, row).catch(failed));
    },

    async flush() {
      if (tallies.size > 0) closeWindow();
      while (writing.size > 0) await Promise.allSettled([...writing]);
    },
  };
}

function windowText(start: number, windowMs: number): string {
  const from = new Date(start).toISOString();
  const to = new Date(start + windowMs).toISOString();
  return `between ${from.slice(0, 10)} ${from.slice(11, 16)} and ${to.slice(11, 16)} UTC`;
}

function summaryText(client: string | null, tally: Tally, span: string, maxAddresses: number): string {
  const count = tally.enroll + tally.secret;
  const kinds = [
    tally.enroll > 0 ? `${tally.enroll} enrollment${tally.enroll === 1 ? "" : "s"}` : "",
    tally.secret > 0 ? `${tally.secret} with a missing or invalid device secret` : "",
  ].filter(Boolean);
  const from = client ?? `addresses beyond the first ${maxAddresses} of this window`;
  let text = `${count} device API call${count === 1 ? "" : "s"} refused from ${from} ${span} (${kinds.join(", ")})`;
  if (tally.ids.size > 0) {
    const distinct = tally.moreIds ? `more than ${COUNTED_IDS}` : String(tally.ids.size);
    const shown = [...tally.ids].slice(0, SHOWN_IDS).map((id) => JSON.stringify(id));
    const which = shown.length === tally.ids.size && !tally.moreIds ? "all" : `the first ${shown.length}`;
    text += `; ${distinct} distinct device ids tried, ${which} shown (each cut at ${MAX_TEXT} characters): ${shown.join(", ")}`;
  }
  return client ? `${text}; the first was also audited on its own` : text;
}
