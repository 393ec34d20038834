// Who a chat account is (Slack's users.info, Teams' getMember), remembered for a while. Lookups of
// one account under way are shared: a burst of one admin's requests asks the platform once (and
// relinks once), not once each; measured at Teams' benchmark start, 32 connections asked 33 times.

export interface IdentityCache<T> {
  /** The remembered answer while it is fresh, else undefined. */
  fresh(key: string): T | undefined;
  /** The fresh answer, the lookup already under way, or a new lookup (its answer remembered). */
  get(key: string, lookup: () => Promise<T>): Promise<T>;
  /** Remembers an answer learned another way (a lookup by email). */
  set(key: string, value: T): void;
}

export function createIdentityCache<T>(ttlMs: number, maxEntries = 5000): IdentityCache<T> {
  const entries = new Map<string, { value: T; at: number }>();
  const asking = new Map<string, Promise<T>>();
  const set = (key: string, value: T) => {
    if (entries.size >= maxEntries) entries.clear();
    entries.set(key, { value, at: Date.now() });
  };
  const fresh = (key: string) => {
    const hit = entries.get(key);
    return hit && Date.now() - hit.at < ttlMs ? hit.value : undefined;
  };
  return {
    fresh,
    set,
    get(key, lookup) {
      const hit = fresh(key);
      if (hit !== undefined) return Promise.resolve(hit);
      const pending = asking.get(key);
      if (pending) return pending;
      const asked = lookup()
        .then((value) => {
          set(key, value);
          return value;
        })
        .finally(() => asking.delete(key));
      asking.set(key, asked);
      return asked;
    },
  };
}
