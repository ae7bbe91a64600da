import type { NewOutbox, OutboxRow, WorkScope } from "./types.js";

/** Replies waiting to go out: claimed with a lease, delivered part by part, in order per conversation. */
export interface OutboxRepository {
  /** Stores a reply to send (or, with `streamedAs`, one a stream showed that is left to stop); returns its id. */
  enqueue(row: NewOutbox): Promise<number>;
  /**
   * Claims due rows of the scope for `owner` for `leaseMs`: the oldest unsent row of each
   * conversation, so a later reply never overtakes an earlier one, oldest first. Rows left
   * `sending` by a process whose lease ran out come back flagged `recovered`. Each claim counts an attempt.
   */
  claim(owner: string, scope: WorkScope, leaseMs: number, limit: number): Promise<OutboxRow[]>;
  /** Records the parts sent so far and remembers the newest one's id → session, so replies to it route back. */
  recordPart(row: OutboxRow, sentParts: string[]): Promise<void>;
  markDelivered(id: number): Promise<void>;
  /** Back to pending until `at`; a rate limit does not count as a failed attempt (`countAttempt` false). */
  retryAt(id: number, at: number, error: string, countAttempt: boolean): Promise<void>;
  markFailed(id: number, error: string): Promise<void>;
  get(id: number): Promise<OutboxRow | undefined>;
  /** Rows of a conversation or a session (or all), oldest first. */
  list(filter?: { conversationKey?: string; sessionId?: string }): Promise<OutboxRow[]>;
  /** Replies not yet delivered (waiting or being sent) and when the oldest was stored, for /healthz. */
  backlog(): Promise<{ pending: number; oldestCreatedAt: number | null }>;
  /**
   * Undelivered rows in trouble, oldest first: given up (`failed`), retrying after an error, or
   * stored before `stuckBefore` and still not out.
   */
  troubled(stuckBefore: number, limit: number): Promise<OutboxRow[]>;
  /** A failed or waiting row goes out again now; false when it is being sent, delivered or gone. */
  retryNow(id: number): Promise<boolean>;
  /** A waiting row is given up (`failed`, with `reason`); false when it is being sent, done or gone. */
  giveUp(id: number, reason: string): Promise<boolean>;
  /** The session that sent a platform message, for routing replies to the bot. */
  sessionOfMessage(channel: string, messageId: string): Promise<string | undefined>;
}
