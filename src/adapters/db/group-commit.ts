// SQLite's single-statement writes (an audit row, a timeline event, a lease step, a check-in)
// committed together: those asked for in the same turn of the event loop run in one transaction
// at its end. The commit is most of such a write's cost in WAL mode (an audit row alone: ~67 µs;
// in a transaction of 32: ~7 µs each, measured on this machine), so under load a form's audit row
// and other flows' timeline events share one. Each caller's promise settles after the commit that
// holds its statement (as durable as before), and in the order asked. A statement that fails (a
// constraint) fails alone: SQLite undoes that statement and the others commit. If an error ends
// the whole transaction (SQLite rolls back on a full disk or an I/O error), every statement of the
// round fails with it. While one of Prisma's interactive transactions is open on the connection
// (an inventory import), the round waits: sent now, it would join that transaction and be lost
// if it rolled back.
import type Sqlite from "better-sqlite3";
import type { Prisma } from "../../generated/postgresql/client.ts";

interface Pending {
  query: Prisma.Sql;
  done: (changes: number) => void;
  fail: (err: unknown) => void;
}

type Outcome = { ok: true; changes: number } | { ok: false; err: unknown };

export function createGroupCommit(
  connection: () => Sqlite.Database,
  exec: (query: Prisma.Sql) => number,
): { run(query: Prisma.Sql): Promise<number> } {
  let queue: Pending[] = [];
  let scheduled = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  function flush(): void {
    scheduled = false;
    const db = connection();
    if (db.inTransaction) return void schedule();
    const round = queue;
    queue = [];
    const outcomes: Outcome[] = [];
    try {
      db.transaction(() => {
        for (const item of round) {
          try {
            outcomes.push({ ok: true, changes: exec(item.query) });
          } catch (err) {
            // Ended the transaction itself: nothing of this round is committed.
            if (!db.inTransaction) throw err;
            outcomes.push({ ok: false, err });
          }
          if (!db.inTransaction) throw new Error("a statement ended its group's transaction");
        }
      }).immediate();
    } catch (err) {
      for (const item of round) item.fail(err);
      return;
    }
    round.forEach((item, i) => {
      const o = outcomes[i] as Outcome;
      if (o.ok) item.done(o.changes);
      else item.fail(o.err);
    });
  }

  return {
    run(query) {
      return new Promise<number>((done, fail) => {
        queue.push({ query, done, fail });
        schedule();
      });
    },
  };
}
