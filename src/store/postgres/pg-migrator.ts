import { join } from "node:path";
import { MigrationError } from "../../errors.js";
import { packageRoot } from "../../paths.js";
import { type Migration, readMigrations } from "../migration-files.js";
import { pendingMigrations, type RecordedMigration } from "../migration-plan.js";
import { at, type PgDatabase, type Sql } from "./pg-database.js";

/** The PostgreSQL migrations, `migrations/postgres/NNN-name.sql`, in order. */
export function loadPgMigrations(dir = join(packageRoot(), "migrations", "postgres")): Migration[] {
  return readMigrations(dir);
}

export interface PgMigrationReport {
  applied: Migration[];
  version: number;
}

/**
 * Serialises migrating processes: every migration transaction takes this advisory lock first,
 * so two gateways starting at once apply each migration exactly once (the second one waits,
 * then finds it recorded).
 */
const migrationLock = 0x63670014;

/**
 * Applies every migration the database does not record, in order (also one numbered below the
 * newest applied), each in its own transaction under the migration lock, recording it in
 * `schema_migrations`. A database that records a migration no file has (a newer gateway's) is
 * refused before anything is applied.
 */
export async function migratePg(
  db: PgDatabase,
  migrations = loadPgMigrations(),
  now = Date.now,
): Promise<PgMigrationReport> {
  await db.transaction(async (sql) => {
    await sql.run("SELECT pg_advisory_xact_lock($1)", [migrationLock]);
    await sql.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`);
  });
  const pending = pendingMigrations(migrations, await recordedIn(db));
  const applied: Migration[] = [];
  for (const migration of pending) {
    let ran = false;
    try {
      await db.transaction(async (sql) => {
        await sql.run("SELECT pg_advisory_xact_lock($1)", [migrationLock]);
        // Another process may have applied it while this one waited for the lock.
        if (await sql.one("SELECT 1 FROM schema_migrations WHERE version = $1", [migration.version])) return;
        await sql.run(migration.sql);
        await sql.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          at(now()),
        ]);
        ran = true;
      });
    } catch (error) {
      throw new MigrationError("STORE_MIGRATION", `migration ${migration.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (ran) applied.push(migration);
  }
  return { applied, version: await pgSchemaVersion(db) };
}

/** The highest migration version the database records (0 before the first migration). */
export function pgSchemaVersion(db: PgDatabase): Promise<number> {
  return versionIn(db);
}

async function versionIn(sql: Sql): Promise<number> {
  if (!(await hasMigrationTable(sql))) return 0;
  const row = await sql.one<{ version: number | null }>("SELECT MAX(version) AS version FROM schema_migrations");
  return row?.version ?? 0;
}

/** The migrations the database records as applied, oldest first (none before the first migration). */
export async function pgRecordedMigrations(db: PgDatabase): Promise<RecordedMigration[]> {
  return recordedIn(db);
}

async function recordedIn(sql: Sql): Promise<RecordedMigration[]> {
  if (!(await hasMigrationTable(sql))) return [];
  return sql.rows<RecordedMigration>("SELECT version, name FROM schema_migrations ORDER BY version");
}

async function hasMigrationTable(sql: Sql): Promise<boolean> {
  const table = await sql.one<{ found: string | null }>("SELECT to_regclass('schema_migrations')::text AS found");
  return Boolean(table?.found);
}

/** The migrations recorded as applied, oldest first, with when each was applied. */
export async function appliedMigrations(
  db: PgDatabase,
): Promise<{ version: number; name: string; appliedAt: number }[]> {
  if ((await pgSchemaVersion(db)) === 0) return [];
  const rows = await db.rows<{ version: number; name: string; applied_at: number }>(
    "SELECT version, name, applied_at FROM schema_migrations ORDER BY version",
  );
  return rows.map((row) => ({ version: row.version, name: row.name, appliedAt: row.applied_at }));
}
