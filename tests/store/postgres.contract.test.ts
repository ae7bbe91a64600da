import pg from "pg";
import { afterAll } from "vitest";
import { PgDatabase } from "../../src/store/postgres/pg-database.js";
import { loadPgMigrations, migratePg } from "../../src/store/postgres/pg-migrator.js";
import { openPgStore } from "../../src/store/postgres/pg-store.js";
import { describeStoreContract, type StoreBackendHarness } from "./contract/store-contract.js";
import { createTestDatabase, type TestDatabase } from "./pg-test-database.js";

/*
 * The store contract on PostgreSQL: one database for this file (created on the server, dropped
 * afterwards), and one schema per store inside it, dropped after each test. Without a reachable
 * server every test fails (its store cannot be opened); none is skipped.
 */

let made: Promise<TestDatabase> | undefined;
const testDatabase = (): Promise<TestDatabase> => {
  made ??= createTestDatabase();
  return made;
};
afterAll(async () => {
  const database = await made?.catch(() => undefined);
  await database?.drop();
});

function postgresHarness(): StoreBackendHarness {
  const migrations = loadPgMigrations();
  const schemas: string[] = [];
  const nextUrl = async () => {
    const database = await testDatabase();
    const schema = `store_${schemas.length + 1}_${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(schema);
    return database.schemaUrl(schema);
  };
  return {
    versions: migrations.map((migration) => migration.version),
    openFresh: async (clock) => openPgStore({ url: await nextUrl() }, { clock }),
    openFrom: async (version, clock) => {
      const url = await nextUrl();
      if (version > 0) {
        const db = new PgDatabase({ url });
        try {
          await migratePg(
            db,
            migrations.filter((migration) => migration.version <= version),
            clock,
          );
          await db.run(`INSERT INTO sessions (id, channel, conversation_key, expert, state, origin, created_at, updated_at)
                          VALUES ('s_seeded', 'telegram', 'telegram:seed', 'default', 'active', 'chat', now(), now())`);
          await db.run(`INSERT INTO conversations (conversation_key, channel, session_id)
                          VALUES ('telegram:seed', 'telegram', 's_seeded')`);
          await db.run(`INSERT INTO messages (session_id, kind, content, created_at)
                          VALUES ('s_seeded', 'user', 'seeded harbour lantern', to_timestamp(0.002))`);
        } finally {
          await db.close();
        }
      }
      const store = await openPgStore({ url }, { clock });
      return {
        store,
        applied: store.migration?.applied.map((migration) => migration.version) ?? [],
        version: store.migration?.version ?? 0,
      };
    },
    cleanup: async () => {
      if (schemas.length === 0) return;
      const database = await testDatabase();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

describeStoreContract("PostgreSQL", postgresHarness);
