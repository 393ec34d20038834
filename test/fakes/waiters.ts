// Waiting on a fake's state without sleeping: a test waits until `find` returns something; the fake
// calls `check()` whenever its state changes.

export interface Waiters {
  /** Re-runs every pending wait's `find`; call it after each change. */
  check(): void;
  until<T>(find: () => T | undefined, timeoutMs: number, what: () => string): Promise<T>;
}

export function createWaiters(name: string): Waiters {
  const waiters = new Set<() => void>();
  return {
    check() {
      for (const w of [...waiters]) w();
    },
    until<T>(find: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
      return new Promise((resolve, reject) => {
        const check = () => {
          let found: T | undefined;
          try {
            found = find();
          } catch {
            found = undefined;
          }
          if (found === undefined) return;
          settle();
          resolve(found);
        };
        const timer = setTimeout(() => {
          settle();
          reject(new Error(`${name}: timed out after ${timeoutMs} ms waiting for ${what()}`));
        }, timeoutMs);
        const settle = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
