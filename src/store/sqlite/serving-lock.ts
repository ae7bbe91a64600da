import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { StoreError } from "../../errors.js";
import { openLockFile } from "./database.js";
import { assertWritable } from "./database-file.js";

/** Held by the one gateway serving a SQLite file; {@link release} lets the next one start. */
export interface ServingLock {
  release(): void;
}

/** The lock file beside a database: `gateway.db` → `gateway.db-serving`. */
export function servingLockPath(path: string): string {
  return `${path}-serving`;
}

/**
 * Takes the lock that keeps a second `gateway start` off one SQLite file: one-turn-per-session and
 * the outbox claims rely on one serving process per file (SQLite gives the processes no way to see
 * each other's turns). The lock is SQLite's own exclusive lock on a file beside the database, held
 * by this process's open file: the kernel drops it when the process ends, however it ends (a
 * `kill -9` leaves nothing stale behind). CLI commands never take it, so they keep sharing the
 * database with the running gateway. Throws a {@link StoreError} `STORE_IN_USE` when another
 * process holds it.
 */
export function holdServingLock(path: string): ServingLock {
  const lockPath = servingLockPath(path);
  // As opening the database would: its folder made, and a read-only place explained before SQLite's own words.
  mkdirSync(dirname(path), { recursive: true });
  assertWritable(path);
  const db = openLockFile(lockPath);
  try {
    // No journal file beside it: nothing is ever written, the lock is all this file is for.
    db.pragma("journal_mode = MEMORY");
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === "SQLITE_BUSY") {
      throw new StoreError(
        "STORE_IN_USE",
        `another gateway is already running on ${path} (it holds ${lockPath}): a SQLite file serves one \`gateway start\` at a time; for several gateways use PostgreSQL (GATEWAY_DB=postgres://…, see "Scaling out" in the README)`,
        { cause: error },
      );
    }
    throw new StoreError("STORE_OPEN", `cannot lock ${lockPath} for database ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
