import { join } from "node:path";
import { StoreError } from "../../errors.js";
import { packageRoot } from "../../paths.js";
import { type Migration, readMigrations } from "../migration-files.js";
import type { Db } from "./database.js";

export type { Migration };

/** The forward-only SQLite migrations shipped in `migrations/NNN-name.sql`, in order. */
export function loadMigrations(dir = join(packageRoot(), "migrations")): Migration[] {
  return readMigrations(dir);
}

export interface MigrationReport {
  applied: Migration[];
  version: number;
}

/**
 * Applies every migration newer than the database, each in its own transaction,
 * recording it in `schema_migrations`. A database newer than the code is refused.
 */
export function migrate(db: Db, migrations = loadMigrations(), now = Date.now): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StoreError(
      "STORE_TOO_NEW",
      `the database is at schema version ${current}, newer than this gateway (${latest}); upgrade chat-gateway`,
    );
  }
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const applied: Migration[] = [];
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    let ran = false;
    try {
      // Another process may have applied it while this one waited for the write lock.
      db.transaction(() => {
        if (schemaVersion(db) >= migration.version) return;
        db.exec(migration.sql);
        record.run(migration.version, migration.name, now());
        ran = true;
      }).immediate();
    } catch (error) {
      throw new StoreError("STORE_MIGRATION", `migration ${migration.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (ran) applied.push(migration);
  }
  return { applied, version: Math.max(current, latest) };
}

export function schemaVersion(db: Db): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return 0;
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get() as { version: number | null };
  return row.version ?? 0;
}
