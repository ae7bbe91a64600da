import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { StoreError } from "../../errors.js";
import { assertWritable, explainOpenFailure } from "./database-file.js";

/** The open SQLite handle. Only files in `src/store/` touch it. */
export type Db = Database.Database;
export type Statement = Database.Statement;

/**
 * Opens (creating if needed) the database with the pragmas the crash model needs:
 * WAL and synchronous=NORMAL survive a killed process (not a power cut),
 * foreign keys on, and a busy timeout so several processes can share the file.
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): Db {
  if (path !== ":memory:" && !options.readonly) {
    mkdirSync(dirname(path), { recursive: true });
    assertWritable(path);
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    db.pragma("busy_timeout = 5000");
    if (!options.readonly) switchToWal(db);
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
  } catch (error) {
    db.close();
    throw openFailure(path, error);
  }
  return db;
}

/**
 * A bare connection with no busy timeout and none of the pragmas above: for a file that is only
 * ever locked, never read (see serving-lock.ts), where waiting for a lock would be wrong.
 */
export function openLockFile(path: string): Db {
  return new Database(path, { timeout: 0 });
}

/** `STORE_READONLY` with the path and the fix when SQLite could not write; `STORE_OPEN` with its own words otherwise. */
function openFailure(path: string, error: unknown): StoreError {
  const readonly = explainOpenFailure(path, error);
  if (readonly) return new StoreError("STORE_READONLY", readonly, { cause: error });
  return new StoreError("STORE_OPEN", `cannot open database ${path}: ${(error as Error).message}`, { cause: error });
}

/**
 * Two processes creating the same new file both switch it to WAL; SQLite
 * answers one of them SQLITE_BUSY at once, without the busy timeout, so retry.
 */
function switchToWal(db: Db): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || attempt >= 250) throw error;
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}

/** True for SQLite errors that mean the disk is full, read-only or otherwise refusing writes. */
export function isWriteRefused(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === "string" && /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|BUSY|LOCKED|CORRUPT|NOTADB|PERM)/.test(code)
  );
}

/** A `prepare` that compiles each SQL text once per connection (the hot paths run the same statements). */
export function statementCache(db: Db) {
  const cache = new Map<string, Database.Statement>();
  return <P extends unknown[] | object = unknown[], R = unknown>(sql: string): Database.Statement<P, R> => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement as unknown as Database.Statement<P, R>;
  };
}
