import type { QueueMode } from "../config/file-schema.js";
import type { AccessRepository } from "./access-repository.js";
import type { ApprovalRepository } from "./approval-repository.js";
import type { ConsoleRepository } from "./console-repository.js";
import type { LeaseRepository } from "./lease-repository.js";
import type { MemoryRepository } from "./memory-repository.js";
import type { OutboxRepository } from "./outbox-repository.js";
import type { PaceRepository } from "./pace-repository.js";
import type { QueueRepository } from "./queue-repository.js";
import type { TriggerRepository } from "./trigger-repository.js";
import type {
  NewSession,
  NewTranscriptEntry,
  RunningTurn,
  RunningTurnInfo,
  SearchHit,
  Session,
  SessionListFilter,
  SessionSearchOptions,
  SessionSharing,
  TranscriptEntry,
  Turn,
  TurnEnding,
  TurnState,
} from "./types.js";
import type { UsageRepository } from "./usage-repository.js";

/**
 * The store port: what the gateway, the agent, memory, triggers and the CLI need from persistence.
 * Asynchronous so that a backend over a network driver (PostgreSQL) can stand in for SQLite.
 *
 * The transaction boundary is the method: every method is one atomic unit that commits all of
 * its writes or none, and sees one consistent state. A decision that must be atomic with the
 * writes it leads to is passed in as a pure, synchronous policy (`AcceptPolicy` in `queue-repository.ts`), which
 * the backend runs between its reads and its writes inside that one transaction.
 *
 * A backend lives in its own folder (`sqlite/`) and passes the store contract suite
 * (`tests/store/contract/`).
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
  /** Tool calls under an `ask` policy and their decisions. */
  readonly approvals: ApprovalRepository;
  readonly console: ConsoleRepository;
  readonly pacing: PaceRepository;
  /** True when `error` is the database refusing a write (disk full, read-only, locked), not a fault of the work. */
  refusesWrites(error: unknown): boolean;
  close(): Promise<void>;
}

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
  /** Marks a session private or shared; null: as its conversation is. */
  setSharing(id: string, sharing: SessionSharing | null): Promise<Session>;
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
  /** Turns running now in any process, oldest first. */
  running(limit: number): Promise<RunningTurnInfo[]>;
}

export interface SettingsRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
