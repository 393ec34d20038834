// The stores' SQL interface (DriverSql) run through Prisma's raw queries instead of a driver: for
// a client opened without a driver connection of its own (the fleet benchmark, which records the
// statements the core issues through Prisma's query log). The server and the CLI use the driver.
import type { Prisma } from "../../generated/postgresql/client.ts";
import { type DriverSql, runStatement, type Statement } from "./driver-connection.ts";
import { type GuardedWrite, GuardMismatch, insertFor, oneGuarded, returning } from "./guarded-write.ts";
import type { Db } from "./open-database.ts";

export function sqlThroughPrisma(db: Pick<Db, "$queryRaw" | "$executeRaw" | "$transaction">): DriverSql {
  return {
    rows: (query) => db.$queryRaw(query),
    run: (query) => db.$executeRaw(query),
    atomic: <T>(w: GuardedWrite) =>
      db
        .$transaction(async (tx) => {
          const row = oneGuarded(await tx.$queryRaw<Record<string, unknown>[]>(returning(w)));
          if (!row) return null;
          for (const i of w.rest ?? []) await tx.$executeRaw(insertFor(i, row));
          return row as T;
        })
        .catch((err: unknown) => {
          if (err instanceof GuardMismatch) return null;
          throw err;
        }),
    transaction: (statements: Statement[]) =>
      db.$transaction(async (tx) => {
        const changed: number[] = [];
        for (const s of statements) changed.push(await runStatement(s, (q: Prisma.Sql) => tx.$executeRaw(q)));
        return changed;
      }),
    async ping() {
      await db.$queryRaw`SELECT 1`;
    },
    close: async () => {},
  };
}
