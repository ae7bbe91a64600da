import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PgDatabase } from "../../src/store/postgres/pg-database.js";
import { loadPgMigrations, migratePg } from "../../src/store/postgres/pg-migrator.js";
import { openPgStore, type PgStore } from "../../src/store/postgres/pg-store.js";
import { waitFor } from "../support/wait.js";
import { accept, claimOptions, inbound, plainPolicy, scope } from "./contract/contract-helpers.js";
import { createTestDatabase, type TestDatabase } from "./pg-test-database.js";

/*
 * What only a database shared by several processes can break: two stores (two pools, as two
 * gateway processes have) on one PostgreSQL database, racing for the same rows.
 */

let made: Promise<TestDatabase> | undefined;
const testDatabase = (): Promise<TestDatabase> => {
  made ??= createTestDatabase();
  return made;
};
afterAll(async () => {
  await (await made?.catch(() => undefined))?.drop();
});

let schemas = 0;
async function twoStores(): Promise<[PgStore, PgStore, () => Promise<void>]> {
  const url = await (await testDatabase()).schemaUrl(`race_${++schemas}`);
  const first = await openPgStore({ url, poolMax: 4 });
  const second = await openPgStore({ url, poolMax: 4 });
  return [first, second, async () => Promise.all([first.close(), second.close()]).then(() => undefined)];
}

describe("PostgreSQL shared by two processes", () => {
  it("migrates once when two processes migrate a new database at the same time", async () => {
    const url = await (await testDatabase()).schemaUrl("migrate_race");
    const dbs = [new PgDatabase({ url }), new PgDatabase({ url }), new PgDatabase({ url })];
    try {
      const migrations = loadPgMigrations();
      const reports = await Promise.all(dbs.map((db) => migratePg(db, migrations)));
      // Each migration applied by exactly one of the three, whichever got the lock first.
      const applied = reports.flatMap((report) => report.applied.map((migration) => migration.name));
      expect(applied.sort()).toEqual(migrations.map((migration) => migration.name));
      const rows = await dbs[0]?.rows<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows).toEqual(migrations.map((migration) => ({ version: migration.version })));
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it("routes concurrent first messages of one conversation into one session, and a redelivery is a duplicate once", async () => {
    const [a, b, close] = await twoStores();
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, index) => accept(index % 2 === 0 ? a : b, "telegram:race", `m${index}`)),
      );
      const sessions = new Set(outcomes.map((outcome) => (outcome.status === "accepted" ? outcome.session.id : "")));
      expect(sessions.size).toBe(1);
      expect(await a.sessions.list({ states: ["active", "inactive"] })).toHaveLength(1);
      const twice = await Promise.all(
        [a, b, a, b].map((store) =>
          store.queue.accept(inbound("telegram:race", "again", { deliveryKeys: ["k-again"] }), plainPolicy()),
        ),
      );
      expect(twice.filter((outcome) => outcome.status === "accepted")).toHaveLength(1);
      expect(twice.filter((outcome) => outcome.status === "duplicate")).toHaveLength(3);
    } finally {
      await close();
    }
  });

  it("lets one process claim a session's turn, however many try at once", async () => {
    const [a, b, close] = await twoStores();
    try {
      for (let index = 0; index < 5; index++) await accept(a, "telegram:claim", `q${index}`);
      const session = await a.sessions.current("telegram:claim");
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          (index % 2 === 0 ? a : b).queue.claim(session?.id ?? "", claimOptions(`proc-${index}`)),
        ),
      );
      const won = claims.filter((claim) => claim !== undefined);
      expect(won).toHaveLength(1);
      expect(won[0]?.inbound).toHaveLength(5);
      expect((await a.queue.inboundOfSession(session?.id ?? "")).map((row) => row.state)).toEqual(
        Array(5).fill("running"),
      );
    } finally {
      await close();
    }
  });

  it("never hands one reply to two senders", async () => {
    const [a, b, close] = await twoStores();
    try {
      for (let index = 0; index < 20; index++) {
        await a.outbox.enqueue({
          sessionId: null,
          channel: "telegram",
          conversationKey: `telegram:${index}`,
          kind: "notice",
          text: `n${index}`,
        });
      }
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? a : b).outbox.claim(`p${index}`, scope, 60_000, 20)),
      );
      const ids = batches.flat().map((row) => row.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(20);
    } finally {
      await close();
    }
  });

  it("dates a claimed turn after the session's previous turn ended, however long the claim waited for the session", async () => {
    const url = await (await testDatabase()).schemaUrl(`race_${++schemas}`);
    let time = 1_000_000;
    const store = await openPgStore({ url, poolMax: 4 }, { clock: () => time });
    // Another instance, ending the running turn while it holds the session's row.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await accept(store, "telegram:dated", "first");
      const session = await store.sessions.current("telegram:dated");
      const sessionId = session?.id ?? "";
      const first = await store.queue.claim(sessionId, claimOptions("proc-a"));
      await accept(store, "telegram:dated", "second");
      await other.query("BEGIN");
      await other.query("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE", [sessionId]);
      time = 2_000_000;
      const claiming = store.queue.claim(sessionId, claimOptions("proc-b"));
      await waitFor(async () => {
        const waiting = await other.query(
          "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        return (waiting.rowCount ?? 0) > 0;
      }, "the claim waiting for the session's row");
      time = 3_000_000;
      await other.query(
        "UPDATE turns SET state = 'completed', finished_at = to_timestamp(3000), lease_owner = NULL WHERE id = $1",
        [first?.turn.id],
      );
      await other.query("UPDATE inbound SET state = 'answered' WHERE turn_id = $1", [first?.turn.id]);
      await other.query("COMMIT");
      const second = await claiming;
      expect(second?.inbound.map((row) => row.text)).toEqual(["second"]);
      expect(second?.turn.startedAt).toBeGreaterThanOrEqual(3_000_000);
    } finally {
      await other.end();
      await store.close();
    }
  });
});
