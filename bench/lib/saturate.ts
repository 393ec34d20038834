// Saturation: autocannon keeps `connections` requests in flight for the whole run, so the server
// is never idle; what it answers per second is its throughput. Each request takes the next body
// from the signed pool.
import autocannon from "autocannon";
import type { SignedRequest } from "./slack-payloads.ts";

export interface SaturateOptions {
  url: string;
  durationSec: number;
  connections: number;
  next: () => SignedRequest;
}

export interface SaturateResult {
  /** 2xx answers per second over the run. */
  throughput: number;
  /** 2xx answers in all. */
  answered: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export async function saturate(o: SaturateOptions): Promise<SaturateResult> {
  const result = await autocannon({
    url: o.url,
    method: "POST",
    connections: o.connections,
    duration: o.durationSec,
    timeout: 10,
    requests: [
      {
        setupRequest: (req) => {
          const signed = o.next();
          return {
            ...req,
            method: "POST",
            headers: { ...req.headers, ...signed.headers },
            body: signed.body,
          };
        },
      },
    ],
  });
  return {
    throughput: result["2xx"] / (result.duration || o.durationSec),
    answered: result["2xx"],
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
