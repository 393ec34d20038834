// Bounds the work a chat handler starts after its acknowledgement. Acknowledging is cheap, but
// each form costs database reads and Web API calls; unbounded, a burst of commands makes every
// later acknowledgement wait behind that work and miss the platform's 3 s deadline. At most
// `concurrency` jobs run; up to `maxQueue` wait; beyond that `tryRun` says no before the ack, so
// the handler can answer "busy" in the acknowledgement itself (no extra API call).
export interface WorkLimiter {
  /** Queues the job, or returns null when the queue is full (the job is not run). */
  tryRun(job: (waitedMs: number) => Promise<void>): Promise<void> | null;
  /** Jobs running plus waiting. */
  readonly load: number;
}

export function createWorkLimiter(opts: { concurrency: number; maxQueue: number }): WorkLimiter {
  let running = 0;
  const waiting: Array<() => void> = [];
  const next = () => {
    if (running >= opts.concurrency) return;
    const start = waiting.shift();
    if (start) start();
  };
  return {
    get load() {
      return running + waiting.length;
    },
    tryRun(job) {
      if (running >= opts.concurrency && waiting.length >= opts.maxQueue) return null;
      const queuedAt = performance.now();
      return new Promise<void>((resolve, reject) => {
        waiting.push(() => {
          running++;
          job(performance.now() - queuedAt)
            .then(resolve, reject)
            .finally(() => {
              running--;
              next();
            });
        });
        next();
      });
    },
  };
}
