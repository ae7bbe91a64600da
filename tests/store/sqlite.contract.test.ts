import { join } from "node:path";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { loadMigrations, migrate } from "../../src/store/sqlite/migrator.js";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";
import { describeStoreContract, type StoreBackendHarness } from "./contract/store-contract.js";

/** SQLite files in a temporary folder; an old schema is made by running the first migrations only. */
function sqliteHarness(): StoreBackendHarness {
  const dir = makeTempDir("cg-store-contract-");
  const migrations = loadMigrations();
  let files = 0;
  const nextPath = () => join(dir, `store-${++files}.db`);
  return {
    versions: migrations.map((migration) => migration.version),
    openFresh: async (clock) => openStore(nextPath(), { clock }),
    openFrom: async (version, clock) => {
      const path = nextPath();
      const db = openDatabase(path);
      try {
        if (version > 0) {
          migrate(
            db,
            migrations.filter((migration) => migration.version <= version),
            clock,
          );
          db.exec(`INSERT INTO sessions (id, channel, conversation_key, expert, state, origin, created_at, updated_at)
                     VALUES ('s_seeded', 'telegram', 'telegram:seed', 'default', 'active', 'chat', 1, 1);
                   INSERT INTO conversations (conversation_key, channel, session_id)
                     VALUES ('telegram:seed', 'telegram', 's_seeded');
                   INSERT INTO messages (session_id, kind, content, created_at)
                     VALUES ('s_seeded', 'user', 'seeded harbour lantern', 2);`);
        }
      } finally {
        db.close();
      }
      const store = openStore(path, { clock });
      return {
        store,
        applied: store.migration?.applied.map((migration) => migration.version) ?? [],
        version: store.migration?.version ?? 0,
      };
    },
    cleanup: async () => removeTempDir(dir),
  };
}

describeStoreContract("SQLite", sqliteHarness);
