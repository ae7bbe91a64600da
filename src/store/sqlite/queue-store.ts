import type { Clock } from "../../ids.js";
import type { AcceptPolicy, QueueRepository, RefusalNotice } from "../queue-repository.js";
import type {
  AcceptOutcome,
  ClaimedTurn,
  InboundCompletion,
  InboundRow,
  NewInbound,
  NewOutbox,
  WorkScope,
} from "../types.js";
import { type Db, statementCache } from "./database.js";
import type { SqliteIntakeStore } from "./intake-store.js";
import { type InboundDbRow, type TurnDbRow, toInbound, toTurn } from "./rows.js";
import type { SqliteSessionStore } from "./session-store.js";
import type { SqliteTranscriptStore } from "./transcript-store.js";
import { scopeParams, scopeSql } from "./work-scope.js";

/**
 * The durable turn queue: accepted messages wait here as inbound rows, and
 * turns are claimed from them with a process id and a lease. What comes in
 * (accepting, delivery keys, refusals) is written by {@link SqliteIntakeStore}.
 */
export class SqliteQueueStore implements QueueRepository {
  readonly #db: Db;
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;
  readonly #sessions: SqliteSessionStore;
  readonly #transcript: SqliteTranscriptStore;
  readonly #intake: SqliteIntakeStore;

  constructor(
    db: Db,
    now: Clock,
    parts: { sessions: SqliteSessionStore; transcript: SqliteTranscriptStore; intake: SqliteIntakeStore },
  ) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
    this.#sessions = parts.sessions;
    this.#transcript = parts.transcript;
    this.#intake = parts.intake;
  }

  async accept(message: NewInbound, policy: AcceptPolicy): Promise<AcceptOutcome> {
    return this.#intake.accept(message, policy);
  }

  /** Sessions of these channels with queued messages and no running turn, oldest message first. */
  async ready(scope: WorkScope, limit: number): Promise<string[]> {
    if (scope.channels.length === 0 || limit <= 0) return [];
    const rows = this.#sql<unknown[], { session_id: string }>(
      `SELECT i.session_id FROM inbound i
       WHERE i.state = 'queued' AND ${scopeSql(scope, "i")}
         AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.session_id = i.session_id AND t.state = 'running')
       GROUP BY i.session_id ORDER BY MIN(i.id) LIMIT ?`,
    ).all(...scopeParams(scope), limit);
    return rows.map((row) => row.session_id);
  }

  /**
   * Opens a turn for a session that has queued messages and no running turn:
   * takes all of them (`collect`) or the oldest (`followup`), copies them into
   * the transcript and leases the turn to `owner`. Undefined if another
   * process got there first.
   */
  async claim(
    sessionId: string,
    options: { owner: string; leaseMs: number; take: "all" | "one"; expert: string; model: string },
  ): Promise<ClaimedTurn | undefined> {
    const now = this.#now();
    return this.#db
      .transaction((): ClaimedTurn | undefined => {
        const running = this.#sql("SELECT 1 FROM turns WHERE session_id = ? AND state = 'running'").get(sessionId);
        if (running) return undefined;
        const inbound = this.#sql<[string, number], InboundDbRow>(
          "SELECT * FROM inbound WHERE session_id = ? AND state = 'queued' ORDER BY id LIMIT ?",
        )
          .all(sessionId, options.take === "all" ? -1 : 1)
          .map(toInbound);
        if (inbound.length === 0) return undefined;
        const turnRow = this.#sql<[string, string, string, string, number, number], TurnDbRow>(
          `INSERT INTO turns (session_id, expert, model, lease_owner, lease_until, started_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        ).get(sessionId, options.expert, options.model, options.owner, now + options.leaseMs, now) as TurnDbRow;
        this.#takeIntoTurn(sessionId, turnRow.id, inbound, options.expert);
        const session = this.#sessions.getSync(sessionId);
        if (!session) return undefined;
        return {
          turn: toTurn(turnRow),
          session,
          inbound: inbound.map((row) => ({ ...row, state: "running", turnId: turnRow.id })),
          resumed: false,
          previewMessageId: null,
          previewText: null,
          streamMessageId: null,
        };
      })
      .immediate();
  }

  /** Marks messages as taken by a turn and copies those not yet copied into the transcript. */
  #takeIntoTurn(sessionId: string, turnId: number, rows: readonly InboundRow[], expert: string): void {
    const take = this.#sql("UPDATE inbound SET state = 'running', turn_id = ? WHERE id = ?");
    const copied = this.#sql("UPDATE inbound SET transcript_id = ? WHERE id = ?");
    for (const row of rows) {
      take.run(turnId, row.id);
      if (row.transcriptId !== null) continue;
      const [entry] = this.#transcript.appendSync(sessionId, [
        {
          kind: "user",
          turnId,
          content: row.text,
          senderId: row.senderId,
          senderName: row.senderName,
          platformMessageId: row.platformMessageId,
          expert,
          attachments: row.attachments,
        },
      ]);
      if (entry) copied.run(entry.id, row.id);
    }
  }

  async complete(inboundId: number, completion: InboundCompletion): Promise<void> {
    this.#db
      .transaction(() => {
        const row = this.#sql<[string, string | null, string | null, number], { transcript_id: number | null }>(
          `UPDATE inbound SET text = ?, sender_name = ?, attachments = ?, deferred = NULL WHERE id = ?
           RETURNING transcript_id`,
        ).get(completion.text, completion.senderName, completion.attachments, inboundId);
        if (row === undefined || row.transcript_id === null) return;
        this.#sql("UPDATE messages SET content = ?, sender_name = ?, attachments = ? WHERE id = ?").run(
          completion.text,
          completion.senderName,
          completion.attachments,
          row.transcript_id,
        );
      })
      .immediate();
  }

  /**
   * Steer mode: messages queued while a turn runs join it before its next
   * model call. Returns them (empty when none wait or the turn has ended).
   */
  async joinTurn(sessionId: string, turnId: number, expert: string): Promise<InboundRow[]> {
    return this.#db
      .transaction((): InboundRow[] => {
        const running = this.#sql("SELECT 1 FROM turns WHERE id = ? AND state = 'running'").get(turnId);
        if (!running) return [];
        const rows = this.#sql<[string], InboundDbRow>(
          "SELECT * FROM inbound WHERE session_id = ? AND state = 'queued' ORDER BY id",
        )
          .all(sessionId)
          .map(toInbound);
        this.#takeIntoTurn(sessionId, turnId, rows, expert);
        return rows;
      })
      .immediate();
  }

  /** Asks whichever process runs the session's turn to stop or interrupt it. */
  async requestCancel(sessionId: string, kind: "stop" | "interrupt"): Promise<number | undefined> {
    const row = this.#sql<[string, string], { id: number }>(
      // A stop is never turned into an interrupt by a message that arrives after it.
      "UPDATE turns SET cancel = CASE WHEN cancel = 'stop' THEN 'stop' ELSE ? END WHERE session_id = ? AND state = 'running' RETURNING id",
    ).get(kind, sessionId);
    return row?.id;
  }

  /** This process's running turns that someone asked to cancel. */
  async cancelRequests(owner: string): Promise<{ turnId: number; kind: "stop" | "interrupt" }[]> {
    return this.#sql<[string], { id: number; cancel: "stop" | "interrupt" }>(
      "SELECT id, cancel FROM turns WHERE lease_owner = ? AND state = 'running' AND cancel IS NOT NULL",
    )
      .all(owner)
      .map((row) => ({ turnId: row.id, kind: row.cancel }));
  }

  /**
   * The conversations a person (`channel:id`) has written in, as far as the
   * stored messages tell: what makes them a known member there (visibility).
   */
  async conversationsOf(principal: string): Promise<string[]> {
    const colon = principal.indexOf(":");
    if (colon < 0) return [];
    return this.#sql<[string, string], { key: string }>(
      "SELECT DISTINCT conversation_key AS key FROM inbound WHERE channel = ? AND sender_id = ?",
    )
      .all(principal.slice(0, colon), principal.slice(colon + 1))
      .map((row) => row.key);
  }

  /** Whether a turn of the session is running (in any process). */
  async isRunning(sessionId: string): Promise<boolean> {
    return this.#sql("SELECT 1 FROM turns WHERE session_id = ? AND state = 'running'").get(sessionId) !== undefined;
  }

  /** Messages waiting in a session, oldest first. */
  async queued(sessionId: string): Promise<InboundRow[]> {
    return this.#sql<[string], InboundDbRow>(
      "SELECT * FROM inbound WHERE session_id = ? AND state = 'queued' ORDER BY id",
    )
      .all(sessionId)
      .map(toInbound);
  }

  async waiting(limit: number): Promise<InboundRow[]> {
    return this.#sql<[number], InboundDbRow>("SELECT * FROM inbound WHERE state = 'queued' ORDER BY id LIMIT ?")
      .all(limit)
      .map(toInbound);
  }

  /** Removes a waiting message before it runs; false if it already ran or is gone. */
  async drop(sessionId: string, inboundId: number): Promise<boolean> {
    return (
      this.#sql(
        "UPDATE inbound SET state = 'dropped', answered_at = ? WHERE id = ? AND session_id = ? AND state = 'queued'",
      ).run(this.#now(), inboundId, sessionId).changes > 0
    );
  }

  async recordDelivery(keys: readonly string[], notice?: NewOutbox): Promise<boolean> {
    return this.#intake.recordDelivery(keys, notice);
  }

  async refuse(
    keys: readonly string[],
    principal: string,
    notice: RefusalNotice,
  ): Promise<"duplicate" | "notified" | "quiet"> {
    return this.#intake.refuse(keys, principal, notice);
  }

  /** Queue depth and the age of the oldest waiting message, for /healthz. */
  async stats(): Promise<{ depth: number; oldestReceivedAt: number | null }> {
    const row = this.#sql<[], { depth: number; oldest: number | null }>(
      "SELECT COUNT(*) AS depth, MIN(received_at) AS oldest FROM inbound WHERE state IN ('queued', 'running')",
    ).get();
    return { depth: row?.depth ?? 0, oldestReceivedAt: row?.oldest ?? null };
  }

  async inboundOfSession(sessionId: string): Promise<InboundRow[]> {
    return this.#sql<[string], InboundDbRow>("SELECT * FROM inbound WHERE session_id = ? ORDER BY id")
      .all(sessionId)
      .map(toInbound);
  }

  async pruneDeliveryKeys(maxAgeMs: number): Promise<number> {
    return this.#intake.pruneDeliveryKeys(maxAgeMs);
  }
}
