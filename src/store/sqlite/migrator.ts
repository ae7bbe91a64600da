import { join } from "node:path";
import { MigrationError } from "../../errors.js";
import { packageRoot } from "../../paths.js";
import { type Migration, readMigrations } from "../migration-files.js";
import { pendingMigrations, type RecordedMigration } from "../migration-plan.js";
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
 * Applies every migration the database does not record, in order (also one numbered below the
 * newest applied), each in its own transaction, recording it in `schema_migrations`. A database
 * that records a migration no file has (a newer gateway's) is refused before anything is applied.
 */
export function migrate(db: Db, migrations = loadMigrations(), now = Date.now): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const pending = pendingMigrations(migrations, recordedMigrations(db));
  const isRecorded = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const applied: Migration[] = [];
  for (const migration of pending) {
    let ran = false;
    try {
      // Another process may have applied it while this one waited for the write lock.
      db.transaction(() => {
        if (isRecorded.get(migration.version)) return;
        db.exec(migration.sql);
        record.run(migration.version, migration.name, now());
        ran = true;
      }).immediate();
    } catch (error) {
      throw new MigrationError("STORE_MIGRATION", `migration ${migration.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (ran) applied.push(migration);
  }
  return { applied, version: schemaVersion(db) };
}

/** The highest migration version the database records (0 before the first migration). */
export function schemaVersion(db: Db): number {
  if (!hasMigrationTable(db)) return 0;
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get() as { version: number | null };
  return row.version ?? 0;
}

/** The migrations the database records as applied, oldest first (none before the first migration). */
export function recordedMigrations(db: Db): RecordedMigration[] {
  if (!hasMigrationTable(db)) return [];
  return db.prepare<[], RecordedMigration>("SELECT version, name FROM schema_migrations ORDER BY version").all();
}

function hasMigrationTable(db: Db): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined
  );
}
