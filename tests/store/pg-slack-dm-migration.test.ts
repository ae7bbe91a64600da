import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { PgDatabase } from "../../src/store/postgres/pg-database.js";
import { loadPgMigrations, migratePg } from "../../src/store/postgres/pg-migrator.js";
import { createTestDatabase, type TestDatabase } from "./pg-test-database.js";

/*
 * PostgreSQL migration 003 moves the same sessions as SQLite's 008 (see slack-dm-migration.test.ts,
 * whose cases these are): a database copied between the backends must not depend on which one
 * migrated it.
 */

let made: Promise<TestDatabase> | undefined;
afterAll(async () => {
  const database = await made?.catch(() => undefined);
  await database?.drop();
});

let db: PgDatabase;
let schemas = 0;

beforeEach(async () => {
  made ??= createTestDatabase();
  db = new PgDatabase({ url: await (await made).schemaUrl(`dm_${++schemas}`) });
  await migratePg(
    db,
    loadPgMigrations().filter((m) => m.version <= 2),
  );
});

afterEach(async () => {
  await db.close();
});

async function seed(id: string, key: string, state: string, updatedAt: number, origin = "chat"): Promise<void> {
  const channel = key.split(":")[0];
  await db.run(
    `INSERT INTO sessions (id, channel, conversation_key, expert, state, origin, created_at, updated_at)
     VALUES ($1, $2, $3, 'default', $4, $5, to_timestamp($6 / 1000.0), to_timestamp($6 / 1000.0))`,
    [id, channel, key, state, origin, updatedAt],
  );
  if (state === "active") {
    await db.run("INSERT INTO conversations (conversation_key, channel, session_id) VALUES ($1, $2, $3)", [
      key,
      channel,
      id,
    ]);
  }
}

const sessions = () =>
  db.rows<{ id: string; conversation_key: string; state: string }>(
    `SELECT id, conversation_key, state FROM sessions ORDER BY id COLLATE "C"`,
  );
const current = () =>
  db.rows<{ conversation_key: string; session_id: string }>(
    `SELECT conversation_key, session_id FROM conversations ORDER BY conversation_key COLLATE "C"`,
  );

describe("PostgreSQL migration 003: a Slack DM is one conversation", () => {
  it("makes each DM's newest session its current one and keeps the older ones listed under the DM", async () => {
    await seed("s_old", "slack:T1:D1:1700000000.000100", "active", 10);
    await seed("s_new", "slack:T1:D1:1700000500.000100", "active", 50);
    await seed("s_arch", "slack:T1:D1:1700000900.000100", "archived", 90);
    await seed("s_other", "slack:T1:D2:1700000000.000200", "active", 20);
    await seed("s_chan", "slack:T1:C1:1700000000.000300", "active", 30);
    await seed("s_trig", "slack:T1:D1:1700000600.000100", "active", 60, "trigger");
    await seed("s_tg", "telegram:42", "active", 40);
    await seed("s_odd", "slack:T1:D3:1700000000.000400:extra", "active", 70);
    await migratePg(db);
    expect(await sessions()).toEqual([
      { id: "s_arch", conversation_key: "slack:T1:D1", state: "archived" },
      { id: "s_chan", conversation_key: "slack:T1:C1:1700000000.000300", state: "active" },
      { id: "s_new", conversation_key: "slack:T1:D1", state: "active" },
      { id: "s_odd", conversation_key: "slack:T1:D3:1700000000.000400:extra", state: "active" },
      { id: "s_old", conversation_key: "slack:T1:D1", state: "inactive" },
      { id: "s_other", conversation_key: "slack:T1:D2", state: "active" },
      { id: "s_tg", conversation_key: "telegram:42", state: "active" },
      { id: "s_trig", conversation_key: "slack:T1:D1:1700000600.000100", state: "active" },
    ]);
    expect(await current()).toEqual([
      { conversation_key: "slack:T1:C1:1700000000.000300", session_id: "s_chan" },
      { conversation_key: "slack:T1:D1", session_id: "s_new" },
      { conversation_key: "slack:T1:D1:1700000600.000100", session_id: "s_trig" },
      { conversation_key: "slack:T1:D2", session_id: "s_other" },
      { conversation_key: "slack:T1:D3:1700000000.000400:extra", session_id: "s_odd" },
      { conversation_key: "telegram:42", session_id: "s_tg" },
    ]);
  });
});
