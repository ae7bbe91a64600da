import type { QueueMode } from "../config/file-schema.js";
import type { SqliteAccessStore } from "./access-store.js";
import type { SqliteLeaseStore } from "./lease-store.js";
import type { SqliteMemoryStore } from "./memory-store.js";
import type { SqliteOutboxStore } from "./outbox-store.js";
import type { SqliteQueueStore } from "./queue-store.js";
import type { SqliteTriggerStore } from "./trigger-store.js";
import type { RunningTurn, TurnEnding } from "./turn-store.js";
import type {
  NewSession,
  NewTranscriptEntry,
  SearchHit,
  Session,
  SessionListFilter,
  SessionSearchOptions,
  TranscriptEntry,
  Turn,
  TurnState,
  UsageEntry,
  UsageTotals,
} from "./types.js";
import type { Spender, UsageGrouping, UsageSum } from "./usage-store.js";

/**
 * The store, asynchronous so that a PostgreSQL backend can stand in later.
 * Every method is one atomic unit: it commits all of its writes or none.
 */
export interface Store {
  readonly sessions: SessionRepository;
  readonly transcript: TranscriptRepository;
  readonly turns: TurnRepository;
  readonly usage: UsageRepository;
  readonly settings: SettingsRepository;
  readonly queue: QueueRepository;
  readonly leases: LeaseRepository;
  readonly outbox: OutboxRepository;
  readonly access: AccessRepository;
  readonly triggers: TriggerRepository;
  readonly memories: MemoryRepository;
  /** True when `error` is the database refusing a write (disk full, read-only, locked), not a fault of the work. */
  refusesWrites(error: unknown): boolean;
  close(): Promise<void>;
}

/** Only the asynchronous methods of a class: what another backend must provide. */
type AsyncSurface<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => Promise<unknown> ? K : never]: T[K];
};

/** Accept, route and claim: see {@link SqliteQueueStore}. */
export type QueueRepository = AsyncSurface<SqliteQueueStore>;
/** Process leases on running turns and outgoing replies: see {@link SqliteLeaseStore}. */
export type LeaseRepository = AsyncSurface<SqliteLeaseStore>;
/** Run-time access grants: see {@link SqliteAccessStore}. */
export type AccessRepository = AsyncSurface<SqliteAccessStore>;
/** Trigger runs and state: see {@link SqliteTriggerStore}. */
export type TriggerRepository = AsyncSurface<SqliteTriggerStore>;
/** Typed long-term notes and their full-text index: see {@link SqliteMemoryStore}. */
export type MemoryRepository = AsyncSurface<SqliteMemoryStore>;
/** Outgoing replies: see {@link SqliteOutboxStore}. */
export type OutboxRepository = AsyncSurface<SqliteOutboxStore>;

export interface SessionRepository {
  /** Creates a session and makes it the current one of its conversation key. */
  create(input: NewSession): Promise<Session>;
  get(id: string): Promise<Session | undefined>;
  /** Finds a session by id or unique id prefix; throws NotFoundError otherwise. */
  resolve(idOrPrefix: string): Promise<Session>;
  /** The current session of a conversation key, whatever its state. */
  current(conversationKey: string): Promise<Session | undefined>;
  /** Newest first. */
  list(filter: SessionListFilter): Promise<Session[]>;
  rename(id: string, title: string): Promise<Session>;
  setExpert(id: string, expert: string): Promise<Session>;
  /** The session's queue mode; null falls back to the Expert's and the YAML's. */
  setMode(id: string, mode: QueueMode | null): Promise<Session>;
  archive(id: string): Promise<Session>;
  /** Back to active when it is its key's current session, else inactive. */
  unarchive(id: string): Promise<Session>;
  /** Makes a session its conversation's current one (reopening it); the previous current one becomes inactive. */
  makeCurrent(id: string): Promise<Session>;
  /**
   * Re-addresses a conversation (a Telegram group upgraded to a supergroup): its sessions, waiting
   * messages and replies move to `to`; a session already started at `to` becomes inactive.
   */
  moveConversation(from: string, to: string): Promise<void>;
  delete(id: string): Promise<void>;
  /**
   * Deletes the archived sessions archived before `before` (never active or
   * inactive ones) and returns them; `dryRun` only returns them.
   */
  pruneArchived(before: number, options?: { dryRun?: boolean }): Promise<Session[]>;
  /** Full-text search over user and assistant text, best hit per session, ranked. */
  search(text: string, options?: SessionSearchOptions): Promise<SearchHit[]>;
}

export interface TranscriptRepository {
  append(sessionId: string, entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]>;
  list(sessionId: string): Promise<TranscriptEntry[]>;
  /** Stores a compaction summary standing for the session's messages up to `coversThrough` (they stay). */
  appendSummary(sessionId: string, content: string, coversThrough: number): Promise<TranscriptEntry>;
  latestSummary(sessionId: string): Promise<{ entry: TranscriptEntry; coversThrough: number } | undefined>;
}

export interface TurnRepository {
  /** Opens a turn and records the messages it answers, in one transaction. */
  start(input: { sessionId: string; expert: string; model: string; entries: NewTranscriptEntry[] }): Promise<Turn>;
  /**
   * Opens a leased turn only when none runs in the session (one turn at a
   * time, whoever starts it); otherwise returns the turn that runs.
   */
  startLeased(input: {
    sessionId: string;
    expert: string;
    model: string;
    entries: NewTranscriptEntry[];
    owner: string;
    leaseMs: number;
  }): Promise<{ turn: Turn } | { busy: RunningTurn }>;
  /**
   * Ends a running turn with what it adds (final entries, usage, its answer)
   * in one transaction; false when the turn had already ended.
   */
  finish(turnId: number, state: Exclude<TurnState, "running">, ending?: TurnEnding): Promise<boolean>;
  get(turnId: number): Promise<Turn | undefined>;
}

export interface UsageRepository {
  record(entry: UsageEntry): Promise<void>;
  totalsForSession(sessionId: string): Promise<UsageTotals>;
  /** Tokens and estimated cost per session, user, Expert or trigger. */
  sums(by: UsageGrouping, filter?: { since?: number; sessionId?: string }): Promise<UsageSum[]>;
  /** Estimated dollars a user or trigger spent since a time (epoch ms). */
  spent(spender: Spender, since: number): Promise<number>;
}

export interface SettingsRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
