import type { Logger } from "../logger.js";
import type { Coordination } from "./coordination.js";
import type { Store } from "./store.js";

/** What `migrate` did: the migrations it applied (by name) and the schema version reached. */
export interface MigrationOutcome {
  applied: string[];
  version: number;
}

/** The schema version a database is at, next to the newest this code ships. */
export interface SchemaStatus {
  version: number;
  latest: number;
  /** Migrations this code ships that the database does not record (by name, in order): `migrate` applies them. */
  pending: string[];
  /** Migrations the database records that this code has no file for (by name): `migrate` refuses it. */
  unknown: string[];
}

/** Watches, while the gateway runs, that the database it opened is still the one operators see. */
export interface StoreWatch {
  /** What is wrong with the database, once something is (for /healthz). */
  readonly problem: string | undefined;
  start(): void;
  stop(): void;
}

/**
 * One configured database of one backend (a SQLite file or a PostgreSQL database):
 * opening it as a {@link Store} and the operator's chores that come before a store exists.
 */
export interface StoreBackend {
  /** Where the data lives, for messages (a file path, or a URL with its password masked). */
  readonly location: string;
  /** Opens the store, applying pending migrations first. */
  open(): Promise<Store>;
  /** Applies pending migrations, each in its own transaction; refuses a database newer than the code. */
  migrate(): Promise<MigrationOutcome>;
  /** The schema version without changing anything; undefined when the database does not exist yet. */
  inspect(): Promise<SchemaStatus | undefined>;
  /**
   * Watches the opened database (a SQLite file deleted or replaced under the running process);
   * `onLost` is called once when it is gone for good, and the process should end. A backend
   * whose database cannot vanish under the process (a server) has nothing to watch.
   */
  watch?(options: { logger: Logger; onLost: (problem: string) => void }): StoreWatch;
  /**
   * For a backend that serves one gateway at a time (a SQLite file): the lock that refuses a second
   * `gateway start` on this database (a StoreError `STORE_IN_USE`), held until released or the
   * process ends, however it ends. CLI commands do not take it and share the database as before.
   */
  holdServing?(): { release(): void };
  /**
   * Coordination with the other gateways on this database (presence, roles, wake-ups), over a
   * connection of its own. A backend for one process at a time has none.
   */
  coordinate?(): Coordination;
  /** What `gateway doctor` adds about a database server (its version, the migrations applied, the pool). */
  describe?(): Promise<string>;
}
