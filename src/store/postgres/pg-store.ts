import { type Clock, systemClock } from "../../ids.js";
import type { Store } from "../store.js";
import type { Pricing } from "../usage-repository.js";
import { PgApprovalStore } from "./approval-store.js";
import { PgConsoleStore } from "./console-store.js";
import { PgIntakeStore } from "./intake-store.js";
import { PgLeaseStore } from "./lease-store.js";
import { PgMemoryStore } from "./memory-store.js";
import { PgOutboxStore } from "./outbox-store.js";
import { PgPaceStore } from "./pace-store.js";
import { isWriteRefused, PgDatabase, type PgSettings } from "./pg-database.js";
import { migratePg, type PgMigrationReport } from "./pg-migrator.js";
import { PgQueueStore } from "./queue-store.js";
import { PgSessionStore } from "./session-store.js";
import { PgAccessStore, PgSettingsStore } from "./settings-access-store.js";
import { PgTranscriptStore } from "./transcript-store.js";
import { PgTriggerStore } from "./trigger-store.js";
import { PgTurnStore } from "./turn-store.js";
import { PgUsageStore } from "./usage-store.js";

export interface OpenPgStoreOptions {
  clock?: Clock;
  /** Apply pending migrations on open (the default); `false` expects an up-to-date schema. */
  migrate?: boolean;
  /** Estimated cost of a model call, recorded with each usage row (prices from the YAML). */
  pricing?: Pricing;
}

/** The PostgreSQL implementation of {@link Store}. */
export class PgStore implements Store {
  readonly db: PgDatabase;
  readonly sessions: PgSessionStore;
  readonly transcript: PgTranscriptStore;
  readonly turns: PgTurnStore;
  readonly usage: PgUsageStore;
  readonly settings: PgSettingsStore;
  readonly outbox: PgOutboxStore;
  readonly queue: PgQueueStore;
  readonly leases: PgLeaseStore;
  readonly access: PgAccessStore;
  readonly triggers: PgTriggerStore;
  readonly memories: PgMemoryStore;
  readonly approvals: PgApprovalStore;
  readonly console: PgConsoleStore;
  readonly pacing: PgPaceStore;
  readonly migration: PgMigrationReport | undefined;

  constructor(db: PgDatabase, clock: Clock, migration?: PgMigrationReport, pricing?: Pricing) {
    this.db = db;
    this.migration = migration;
    this.sessions = new PgSessionStore(db, clock);
    this.transcript = new PgTranscriptStore(db, clock);
    this.usage = new PgUsageStore(db, clock, pricing);
    this.outbox = new PgOutboxStore(db, clock);
    this.turns = new PgTurnStore(db, clock, this.usage.price);
    this.settings = new PgSettingsStore(db, clock);
    this.access = new PgAccessStore(db, clock);
    this.memories = new PgMemoryStore(db, clock);
    this.approvals = new PgApprovalStore(db, clock);
    this.console = new PgConsoleStore(db, clock);
    this.pacing = new PgPaceStore(db, clock);
    this.queue = new PgQueueStore(db, clock, new PgIntakeStore(db, clock));
    this.leases = new PgLeaseStore(db, clock);
    this.triggers = new PgTriggerStore(db, clock);
  }

  refusesWrites(error: unknown): boolean {
    return isWriteRefused(error);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** Connects to the database, migrates it, and returns the store. */
export async function openPgStore(settings: PgSettings, options: OpenPgStoreOptions = {}): Promise<PgStore> {
  const clock = options.clock ?? systemClock;
  const db = new PgDatabase(settings);
  try {
    const report = options.migrate === false ? undefined : await migratePg(db, undefined, clock);
    return new PgStore(db, clock, report, options.pricing);
  } catch (error) {
    await db.close();
    throw error;
  }
}
