import { type Clock, systemClock } from "../../ids.js";
import type { Store } from "../store.js";
import type { Pricing } from "../usage-repository.js";
import { SqliteAccessStore } from "./access-store.js";
import { SqliteApprovalStore } from "./approval-store.js";
import { SqliteConsoleStore } from "./console-store.js";
import { type Db, isWriteRefused, openDatabase } from "./database.js";
import { SqliteIntakeStore } from "./intake-store.js";
import { SqliteLeaseStore } from "./lease-store.js";
import { SqliteMemoryStore } from "./memory-store.js";
import { type MigrationReport, migrate } from "./migrator.js";
import { SqliteOutboxStore } from "./outbox-store.js";
import { SqlitePaceStore } from "./pace-store.js";
import { SqliteQueueStore } from "./queue-store.js";
import { SqliteSessionStore } from "./session-store.js";
import { SqliteSettingsStore } from "./settings-store.js";
import { SqliteTranscriptStore } from "./transcript-store.js";
import { SqliteTriggerStore } from "./trigger-store.js";
import { SqliteTurnStore } from "./turn-store.js";
import { SqliteUsageStore } from "./usage-store.js";

export interface OpenStoreOptions {
  clock?: Clock;
  /** Apply pending migrations on open (the default); `false` expects an up-to-date schema. */
  migrate?: boolean;
  /** Estimated cost of a model call, recorded with each usage row (prices from the YAML). */
  pricing?: Pricing;
  /**
   * Tests only: caps the database at this many pages for this connection (`PRAGMA max_page_count`;
   * SQLite raises a cap below the current size to that size), so a test can make the disk "full"
   * and free it again from another connection. Set after migrating.
   */
  maxPageCount?: number;
}

/** The SQLite implementation of {@link Store}. */
export class SqliteStore implements Store {
  readonly db: Db;
  readonly sessions: SqliteSessionStore;
  readonly transcript: SqliteTranscriptStore;
  readonly turns: SqliteTurnStore;
  readonly usage: SqliteUsageStore;
  readonly settings: SqliteSettingsStore;
  readonly outbox: SqliteOutboxStore;
  readonly queue: SqliteQueueStore;
  readonly leases: SqliteLeaseStore;
  readonly access: SqliteAccessStore;
  readonly triggers: SqliteTriggerStore;
  readonly memories: SqliteMemoryStore;
  readonly approvals: SqliteApprovalStore;
  readonly console: SqliteConsoleStore;
  readonly pacing: SqlitePaceStore;
  readonly migration: MigrationReport | undefined;

  constructor(db: Db, clock: Clock, migration?: MigrationReport, pricing?: Pricing) {
    this.db = db;
    this.migration = migration;
    this.sessions = new SqliteSessionStore(db, clock);
    this.transcript = new SqliteTranscriptStore(db, clock);
    this.usage = new SqliteUsageStore(db, clock, pricing);
    this.outbox = new SqliteOutboxStore(db, clock);
    this.turns = new SqliteTurnStore(db, clock, {
      transcript: this.transcript,
      usage: this.usage,
      outbox: this.outbox,
    });
    this.settings = new SqliteSettingsStore(db, clock);
    this.access = new SqliteAccessStore(db, clock);
    this.memories = new SqliteMemoryStore(db, clock);
    this.approvals = new SqliteApprovalStore(db, clock, this.outbox);
    this.console = new SqliteConsoleStore(db, clock);
    this.pacing = new SqlitePaceStore(db, clock);
    const intake = new SqliteIntakeStore(db, clock, { sessions: this.sessions, outbox: this.outbox });
    this.queue = new SqliteQueueStore(db, clock, { sessions: this.sessions, transcript: this.transcript, intake });
    this.leases = new SqliteLeaseStore(db, clock, this.sessions);
    this.triggers = new SqliteTriggerStore(db, clock, { sessions: this.sessions, intake });
  }

  refusesWrites(error: unknown): boolean {
    return isWriteRefused(error);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Opens the database at `path`, migrates it, and returns the store. */
export function openStore(path: string, options: OpenStoreOptions = {}): SqliteStore {
  const clock = options.clock ?? systemClock;
  const db = openDatabase(path);
  try {
    const report = options.migrate === false ? undefined : migrate(db, undefined, clock);
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
    return new SqliteStore(db, clock, report, options.pricing);
  } catch (error) {
    db.close();
    throw error;
  }
}
