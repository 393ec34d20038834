// An open-loop load generator: request i is due at start + i/rate whether or not earlier ones have
// been answered, and its latency is counted from when it was due (so a stalled server cannot hide
// its queue: no coordinated omission). autocannon's own rate mode sends each second's quota in a
// burst, which is why the fixed-rate runs use this instead.
import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { SignedRequest } from "./slack-payloads.ts";

export interface FixedRateOptions {
  url: string;
  rate: number;
  durationMs: number;
  next: () => SignedRequest;
  timeoutMs?: number;
}

export interface FixedRateResult {
  sent: number;
  /** Latency of each 2xx answer, in ms from when the request was due. */
  latenciesMs: number[];
  non2xx: number;
  errors: number;
  /** How late the generator itself was in sending, at worst (it shares the machine). */
  maxSendLagMs: number;
}

export async function fixedRate(o: FixedRateOptions): Promise<FixedRateResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round((o.rate * o.durationMs) / 1000);
  const interval = 1000 / o.rate;
  const result: FixedRateResult = { sent: 0, latenciesMs: [], non2xx: 0, errors: 0, maxSendLagMs: 0 };
  const pending: Promise<void>[] = [];
  const fire = (due: number, signed: SignedRequest) =>
    new Promise<void>((done) => {
      const req = request(o.url, {
        method: "POST",
        agent,
        headers: { ...signed.headers, "content-length": Buffer.byteLength(signed.body) },
      });
      req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error("timed out")));
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) result.latenciesMs.push(performance.now() - due);
          else result.non2xx++;
          done();
        });
      });
      req.on("error", () => {
        result.errors++;
        done();
      });
      req.end(signed.body);
    });

  const start = performance.now() + 5;
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      const due = start + i * interval;
      result.maxSendLagMs = Math.max(result.maxSendLagMs, now - due);
      pending.push(fire(due, o.next()));
      result.sent++;
      i++;
    }
    if (i < total) await sleep(Math.max(0, start + i * interval - performance.now()));
  }
  await Promise.all(pending);
  agent.destroy();
  return result;
}
