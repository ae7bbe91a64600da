import { MigrationError } from "../errors.js";
import type { Migration } from "./migration-files.js";

/** A migration a database records as applied (a row of `schema_migrations`). */
export interface RecordedMigration {
  version: number;
  name: string;
}

/** How a database's recorded migrations compare with the files this gateway ships. */
export interface SchemaDiff {
  /** Files whose version the database does not record, in order: the ones to apply. */
  pending: Migration[];
  /** Recorded versions that no file has, in order: the database was migrated by another gateway. */
  unknown: RecordedMigration[];
}

/**
 * Compares by version, not by the highest one applied: a migration numbered below the newest
 * applied (a branch that merged 011 after 012 ran) is still pending.
 */
export function diffSchema(files: Migration[], recorded: RecordedMigration[]): SchemaDiff {
  const known = new Set(files.map((file) => file.version));
  const applied = new Set(recorded.map((row) => row.version));
  return {
    pending: files.filter((file) => !applied.has(file.version)),
    unknown: recorded.filter((row) => !known.has(row.version)).sort((a, b) => a.version - b.version),
  };
}

/**
 * The migrations to apply, in order. Refuses a database that records a migration no file has,
 * before anything is applied: its schema holds changes this code knows nothing of.
 */
export function pendingMigrations(files: Migration[], recorded: RecordedMigration[]): Migration[] {
  const { pending, unknown } = diffSchema(files, recorded);
  if (unknown.length > 0) {
    const names = unknown.map((row) => `${row.name}.sql (version ${row.version})`).join(", ");
    const newest = files.at(-1)?.name ?? "none";
    throw new MigrationError(
      "STORE_TOO_NEW",
      `the database records ${unknown.length === 1 ? "migration" : "migrations"} ${names} that this gateway has no file for (its newest is ${newest}): a newer chat-gateway migrated it; upgrade chat-gateway`,
    );
  }
  return pending;
}
