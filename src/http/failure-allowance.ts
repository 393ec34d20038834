// An allowance of failures per key (a client address) on a token bucket: only calls that fail
// spend it. A call holds a token while it runs and gives it back if it succeeds; when none is
// left, a caller waits while calls that hold tokens are still running (one of them may give its
// token back) instead of being refused at once. So any number of concurrent calls that succeed
// pass (a thousand agents behind one NAT enrolling after a restart), while a concurrent flood of
// failures still gets exactly the allowance: once the running calls have failed and nothing is
// left, the waiting ones are refused. Waiting is bounded in time and in number per key.
import { createRateLimiter, type RateDecision, type RateLimit } from "./rate-limit.ts";

export type Refusal = Extract<RateDecision, { ok: false }>;

export interface Held {
  ok: true;
  /** The call is over: a failure keeps the token spent, a success gives it back. */
  settle(failed: boolean): void;
}

export interface FailureAllowance {
  /** Holds a token for a call, waiting (bounded) while other calls hold them; or a refusal. */
  hold(key: string): Promise<Held | Refusal>;
  /** Spends a token for a failure that held none; the refusal when none was left. */
  fail(key: string): RateDecision;
}

export interface FailureAllowanceOptions {
  /** The longest a caller waits for a running call to give a token back. */
  maxWaitMs?: number;
  /** Callers that may wait per key; more are refused at once. */
  maxWaiting?: number;
}

interface Waiting {
  running: number;
  queue: (() => void)[];
}

export function createFailureAllowance(
  rate: RateLimit,
  opts: FailureAllowanceOptions = {},
): FailureAllowance {
  const maxWaitMs = opts.maxWaitMs ?? 10_000;
  const maxWaiting = opts.maxWaiting ?? 1_000;
  const tokens = createRateLimiter(rate);
  const keys = new Map<string, Waiting>();
  const entry = (key: string) => {
    const known = keys.get(key);
    if (known) return known;
    const w: Waiting = { running: 0, queue: [] };
    keys.set(key, w);
    return w;
  };
  const tidy = (key: string, w: Waiting) => {
    if (w.running === 0 && w.queue.length === 0) keys.delete(key);
  };

  function held(key: string, w: Waiting): Held {
    w.running++;
    let settled = false;
    return {
      ok: true,
      settle(failed) {
        if (settled) return;
        settled = true;
        w.running--;
        if (!failed) {
          tokens.refund(key);
          w.queue.shift()?.(); // a token is back: the longest waiting caller takes it
        } else if (w.running === 0) {
          // Nothing left that could give one back: every waiting caller looks again (and is
          // refused unless the bucket has refilled meanwhile).
          for (const wake of w.queue.splice(0)) wake();
        }
        tidy(key, w);
      },
    };
  }

  return {
    async hold(key) {
      const w = entry(key);
      const deadline = performance.now() + maxWaitMs;
      for (;;) {
        const left = deadline - performance.now();
        if (tokens.peek(key) || w.running === 0 || left <= 0 || w.queue.length >= maxWaiting) {
          const d = tokens.take(key);
          if (d.ok) return held(key, w);
          tidy(key, w);
          return d;
        }
        await new Promise<void>((wake) => {
          const timer = setTimeout(() => {
            const at = w.queue.indexOf(done);
            if (at >= 0) w.queue.splice(at, 1);
            wake();
          }, left);
          const done = () => {
            clearTimeout(timer);
            wake();
          };
          w.queue.push(done);
        });
      }
    },
    fail(key) {
      return tokens.take(key);
    },
  };
}
