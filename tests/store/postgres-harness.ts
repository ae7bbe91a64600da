import pg from "pg";
import { PgDatabase } from "../../src/store/postgres/pg-database.js";
import { loadPgMigrations, migratePg } from "../../src/store/postgres/pg-migrator.js";
import { openPgStore } from "../../src/store/postgres/pg-store.js";
import type { StoreBackendHarness } from "./contract/store-contract.js";
import type { TestDatabase, TestRole } from "./pg-test-database.js";

/** Runs one statement in the database at `url` as the superuser. */
async function inDatabase(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Fresh stores for the contract on PostgreSQL: one schema per store inside `testDatabase()`,
 * dropped by `cleanup`. With `role`, the stores connect as that role (owning what it migrates)
 * instead of the superuser.
 */
export function postgresHarness(
  testDatabase: () => Promise<TestDatabase>,
  role?: () => Promise<TestRole>,
): StoreBackendHarness {
  const migrations = loadPgMigrations();
  const schemas: string[] = [];
  const nextUrl = async () => {
    const database = await testDatabase();
    const schema = `store_${schemas.length + 1}_${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(schema);
    const url = await database.schemaUrl(schema);
    if (!role) return url;
    const { name } = await role();
    await inDatabase(database.url, `GRANT ALL ON SCHEMA ${schema} TO ${name}`);
    const scoped = new URL(url);
    scoped.username = name;
    return scoped.toString();
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
      for (const schema of schemas.splice(0)) await inDatabase(database.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}
