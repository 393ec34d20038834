// One row per job fire. The primary key makes exactly one process win each fire, on SQLite
// and on PostgreSQL alike, with no lock held while the job runs.
import type { Clock, JobClaims } from "../../core/ports.ts";
import { Prisma } from "../../generated/postgresql/client.ts";
import type { Db } from "./open-database.ts";

export function createJobClaims(db: Db, clock: Clock): JobClaims {
  return {
    async claim(key, jobName, owner) {
      try {
        await db.jobRun.create({ data: { key, jobName, claimedBy: owner, claimedAt: clock.now() } });
        return true;
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return false;
        throw err;
      }
    },
    async prune(before) {
      const res = await db.jobRun.deleteMany({ where: { claimedAt: { lt: before } } });
      return res.count;
    },
  };
}
