// How long and how often each benchmark runs: the full run (`npm run bench`) and the short one CI
// runs (`npm run bench:ci`) only to prove the benchmarks still work.
export interface Settings {
  ci: boolean;
  /** Fixed-rate phase: requests per second, seconds per run. */
  rate: number;
  fixedSec: number;
  /** Saturation phase: seconds per run, connections kept busy. */
  saturateSec: number;
  connections: number;
  /** Measured runs per target and phase (medians are over these). */
  runs: number;
  /** Saturation before the measured runs, so the JIT, caches and Bolt's auth.test are warm (0: none). */
  warmupSec: number;
  /** Launches per start-up variant. */
  startups: number;
  /** How long a freshly started target is left alone before its idle memory is read. */
  idleMs: number;
  /** Seconds of saturation recorded by the CPU profiler per target and payload. */
  profileSec: number;
  /** A target's work after its acks counts as done when the fake Slack API has had no call this long. */
  quietMs: number;
  /** Benchmark 3 (end to end): resets started through Slack, spread over this many channels. */
  e2eResets: number;
  e2eChannels: number;
  /** The simulated phones' pause between their steps (SIMULATOR_DELAY), subtracted from the latencies. */
  e2eDeviceDelayMs: number;
  /** How long to wait at most for every reset to finish and for Slack to show it, per run. */
  e2eTimeoutSec: number;
  /** Also run benchmark 3 on PostgreSQL (TEST_POSTGRES_URL), when a server answers. */
  e2ePostgres: boolean;
  /** Benchmark 7 (Intune sync): fleet sizes, smallest first (the smallest is the memory baseline). */
  intuneDevices: number[];
  /** Also run benchmark 7 on PostgreSQL (TEST_POSTGRES_URL), when a server answers. */
  intunePostgres: boolean;
  /** Benchmark 7 also runs each size's first sync with the CLI's V8 old space capped at this (MiB); null: not. */
  intuneHeapCapMiB: number | null;
}

export const FULL: Settings = {
  ci: false,
  rate: 200,
  fixedSec: 5,
  saturateSec: 5,
  connections: 32,
  runs: 3,
  warmupSec: 3,
  startups: 3,
  idleMs: 2000,
  profileSec: 8,
  quietMs: 300,
  e2eResets: 1000,
  e2eChannels: 50,
  e2eDeviceDelayMs: 100,
  e2eTimeoutSec: 420,
  e2ePostgres: true,
  intuneDevices: [10_000, 100_000],
  intunePostgres: true,
  intuneHeapCapMiB: 192,
};

export const CI: Settings = {
  ci: true,
  rate: 200,
  fixedSec: 0.5,
  saturateSec: 0.5,
  connections: 8,
  runs: 1,
  warmupSec: 0,
  startups: 1,
  idleMs: 200,
  profileSec: 0.5,
  quietMs: 150,
  e2eResets: 40,
  e2eChannels: 4,
  e2eDeviceDelayMs: 20,
  e2eTimeoutSec: 40,
  e2ePostgres: false,
  intuneDevices: [5_000],
  intunePostgres: true,
  intuneHeapCapMiB: null,
};
