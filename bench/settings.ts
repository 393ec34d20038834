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
}

export const FULL: Settings = {
  ci: false,
  rate: 200,
  fixedSec: 10,
  saturateSec: 6,
  connections: 32,
  runs: 5,
  warmupSec: 3,
  startups: 5,
  idleMs: 2000,
  profileSec: 8,
  quietMs: 300,
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
};
