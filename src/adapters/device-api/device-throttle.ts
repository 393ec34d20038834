// Rate limits of the device API. A device seen before spends its own bucket, keyed by the digest
// of its secret, so a device over its limit is refused before any database work. A missing or
// wrong secret spends one failure of its client address's allowance; past it, failures are
// answered 429. An enrollment holds one while it runs and gives it back if it succeeds
// (failure-allowance.ts: enrollments that succeed never spend it, however many run at once). A
// valid secret is always accepted at once, so a device behind the same address as a noisy
// neighbour (a proxy, a NAT) is never locked out. Refusals are audited per address and window,
// not per call (refusal-audit.ts).

import type { DeviceApiRate } from "../../config.ts";
import { recordAudit } from "../../core/audit-trail.ts";
import { type Engine, errorText } from "../../core/engine.ts";
import { sha256 } from "../../core/secrets.ts";
import type { Device } from "../../core/types.ts";
import { createFailureAllowance } from "../../http/failure-allowance.ts";
import { clientKey, createRateLimiter, type RateDecision, type RateLimit } from "../../http/rate-limit.ts";
import { HttpError, type HttpRequest, type HttpResponse } from "../../http/router.ts";
import { createRefusalAudit, type RefusalKind } from "./refusal-audit.ts";

export type Refused = Extract<RateDecision, { ok: false }>;

export interface DeviceGate {
  /** Runs `handler` for a caller whose bearer secret names an enrolled device, within limits. */
  authenticated(
    req: HttpRequest,
    authenticate: (secret: string) => Promise<Device | null>,
    handler: (device: Device) => Promise<HttpResponse>,
  ): Promise<HttpResponse>;
  /** Runs `handler` for a caller with no secret yet (enrollment); its 4xx answers count as failures. */
  unauthenticated(req: HttpRequest, handler: () => Promise<HttpResponse>): Promise<HttpResponse>;
  /** A device was just given this secret: it counts as seen (and spent one call enrolling). */
  admit(secret: string, deviceId: string): void;
  /** A call was refused for what it sent (an enrollment with a wrong code or unknown device id). */
  refused(req: HttpRequest, kind: RefusalKind, deviceId?: string): Promise<void>;
  /** Writes the audit rows still counted in memory (at shutdown). */
  flush(): Promise<void>;
}

const UNAUTHORIZED: HttpResponse = { status: 401, body: { error: "Missing or invalid device secret." } };

export function createDeviceGate(engine: Engine, rate: DeviceApiRate): DeviceGate {
  // A device's bucket outlives its window, so that during a flood from its address a device seen
  // in the last day still goes straight to its own bucket. Only a valid secret creates one, so
  // their number is bounded by the fleet, not by what callers send.
  const devices = createRateLimiter(rate.device, { idleMs: 86_400_000, maxKeys: 50_000 });
  const clients = createFailureAllowance(rate.unauthenticated);
  const refusals = createRefusalAudit(engine);

  async function refuse(req: HttpRequest, scope: "device" | "client", who: string, d: Refused) {
    const limit = scope === "device" ? rate.device : rate.unauthenticated;
    const per = perWindow(limit);
    const fields = {
      httpRequestId: req.requestId,
      path: req.path,
      [scope === "device" ? "deviceId" : "client"]: who,
      limit: per,
    };
    if (d.firstInWindow) {
      engine.log.warn({ ...fields, retryAfterSeconds: d.retryAfterSeconds }, "device API rate limit reached");
      await audit(engine, scope, who, per, d.retryAfterSeconds);
    } else engine.log.debug(fields, "device API call refused: rate limit");
    const error =
      scope === "device"
        ? `Too many calls from this device (limit ${per}). Try again in ${d.retryAfterSeconds} s.`
        : `Too many unauthenticated or failed device API calls from this address (limit ${per}). Try again in ${d.retryAfterSeconds} s.`;
    return {
      status: 429,
      headers: { "retry-after": String(d.retryAfterSeconds) },
      body: { error, retryAfterSeconds: d.retryAfterSeconds },
    } satisfies HttpResponse;
  }

  return {
    async authenticated(req, authenticate, handler) {
      const client = clientKey(req.clientAddress);
      const secret = bearer(req);
      const key = secret && sha256(secret);
      if (secret && key && devices.has(key)) {
        const d = devices.take(key);
        if (!d.ok) return refuse(req, "device", d.owner ?? "unknown", d);
        const device = await authenticate(secret);
        if (device) return handler(device);
        devices.forget(key); // re-enrolled or removed since: from now on a stranger
        clients.fail(client);
        await refusals.refused(client, "secret");
        return UNAUTHORIZED;
      }
      // The secret is checked first, even for an address over its failure limit: behind a proxy
      // or NAT one noisy neighbour must never lock out a real device (a 256-bit secret is not
      // guessable anyway), nor make it wait. Only failures spend the address's allowance, and
      // past it they get a 429 (an outage is not the caller's failure: it spends nothing).
      const device = secret ? await authenticate(secret) : null;
      if (!device) {
        const d = clients.fail(client);
        if (!d.ok) return refuse(req, "client", client, d);
        await refusals.refused(client, "secret");
        return UNAUTHORIZED;
      }
      if (key) devices.take(key, device.id);
      return handler(device);
    },

    async unauthenticated(req, handler) {
      const client = clientKey(req.clientAddress);
      const d = await clients.hold(client);
      if (!d.ok) return refuse(req, "client", client, d);
      let failed = true;
      try {
        const res = await handler();
        failed = res.status >= 400;
        return res;
      } catch (err) {
        // A 4xx is the caller's failure; an outage is not.
        failed = err instanceof HttpError && err.status < 500;
        throw err;
      } finally {
        d.settle(failed);
      }
    },

    admit(secret, deviceId) {
      devices.take(sha256(secret), deviceId);
    },

    refused(req, kind, deviceId) {
      return refusals.refused(clientKey(req.clientAddress), kind, deviceId);
    },

    flush: () => refusals.flush(),
  };
}

function bearer(req: HttpRequest): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return m?.[1] ?? null;
}

/** One audit row per key and window, not per refused call. */
async function audit(
  engine: Engine,
  scope: "device" | "client",
  who: string,
  per: string,
  retryAfterSeconds: number,
): Promise<void> {
  const detail =
    scope === "device"
      ? `device API calls over ${per}; refused for ${retryAfterSeconds} s (further refusals this window are not audited)`
      : `unauthenticated or failed device API calls from ${who} over ${per}; refused for ${retryAfterSeconds} s (further refusals this window are not audited)`;
  try {
    await recordAudit(engine, {
      actor: scope === "device" ? `device:${who}` : `client:${who}`,
      surface: "device",
      action: "device.rate_limited",
      outcome: "refused",
      deviceId: scope === "device" ? who : null,
      detail,
    });
  } catch (err) {
    engine.log.error({ err: errorText(err) }, "could not audit a device API rate limit");
  }
}

function perWindow(rate: RateLimit): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ];
  for (const [ms, name] of units) {
    if (rate.windowMs % ms === 0) {
      const n = rate.windowMs / ms;
      return `${rate.limit} per ${n === 1 ? name : `${n} ${name}s`}`;
    }
  }
  return `${rate.limit} per ${rate.windowMs} ms`;
}
