// The scheduler's jobs are the core's recurring duties (src/core/reset/sweep.ts), each with its
// cron; every fire is claimed in the database, so with several processes exactly one runs it.
import { DUTIES, type Duty } from "../core/reset/sweep.ts";

export type JobSpec = Pick<Duty, "name" | "schedule" | "run">;

export const JOBS: readonly JobSpec[] = DUTIES;
