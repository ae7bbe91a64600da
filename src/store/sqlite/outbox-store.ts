import type { Clock } from "../../ids.js";
import type { OutboxRepository } from "../outbox-repository.js";
import type { NewOutbox, OutboxRow, WorkScope } from "../types.js";
import { type Db, statementCache } from "./database.js";
import { type OutboxDbRow, toOutbox } from "./rows.js";
import { scopeParams, scopeSql } from "./work-scope.js";

/** Replies waiting to go out: claimed with a lease, delivered part by part, in order per conversation. */
export class SqliteOutboxStore implements OutboxRepository {
  readonly #db: Db;
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;
  readonly #insert;
  readonly #recordPart;
  readonly #remember;
  readonly #delivered;
  readonly #retry;
  readonly #failed;
  readonly #get;

  constructor(db: Db, now: Clock) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
    this.#insert = this.#sql(
      `INSERT INTO outbox (session_id, turn_id, channel, conversation_key, kind, text, reply_to_message_id,
         edit_message_id, next_attempt_at, created_at, platform_message_ids, ends_stream, buttons, file)
       VALUES (@sessionId, @turnId, @channel, @conversationKey, @kind, @text, @replyTo, @editId, @now, @now,
         @parts, @endsStream, @buttons, @file)`,
    );
    this.#recordPart = this.#sql("UPDATE outbox SET platform_message_ids = ? WHERE id = ?");
    this.#remember = this.#sql(
      `INSERT OR IGNORE INTO platform_messages (channel, platform_message_id, conversation_key, session_id, created_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.#delivered = this.#sql(
      "UPDATE outbox SET state = 'delivered', delivered_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
    );
    this.#retry = this.#sql(
      `UPDATE outbox SET state = 'pending', next_attempt_at = ?, error = ?, lease_owner = NULL, lease_until = NULL,
         attempts = attempts - ? WHERE id = ?`,
    );
    this.#failed = this.#sql(
      "UPDATE outbox SET state = 'failed', error = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
    );
    this.#get = this.#sql<[number], OutboxDbRow>("SELECT * FROM outbox WHERE id = ?");
  }

  insertSync(row: NewOutbox): number {
    const result = this.#insert.run({
      sessionId: row.sessionId,
      turnId: row.turnId ?? null,
      channel: row.channel,
      conversationKey: row.conversationKey,
      kind: row.kind,
      text: row.text,
      replyTo: row.replyToMessageId ?? null,
      editId: row.editMessageId ?? null,
      now: this.#now(),
      parts: JSON.stringify(row.streamedAs ? [row.streamedAs] : []),
      endsStream: row.streamedAs ? 1 : 0,
      buttons: row.buttons && row.buttons.length > 0 ? JSON.stringify(row.buttons) : null,
      file: row.file ? JSON.stringify(row.file) : null,
    });
    return Number(result.lastInsertRowid);
  }

  async enqueue(row: NewOutbox): Promise<number> {
    return this.insertSync(row);
  }

  /**
   * Claims due rows of the given channels: the oldest unsent row of each
   * conversation, so a later reply never overtakes an earlier one. Rows left
   * `sending` by a process whose lease expired come back flagged `recovered`.
   */
  async claim(owner: string, scope: WorkScope, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    if (scope.channels.length === 0) return [];
    const now = this.#now();
    const due = this.#sql<unknown[], OutboxDbRow>(
      `SELECT o.* FROM outbox o
       WHERE o.state IN ('pending', 'sending') AND ${scopeSql(scope, "o")}
         AND ((o.state = 'pending' AND o.next_attempt_at <= ?) OR (o.state = 'sending' AND o.lease_until < ?))
         AND NOT EXISTS (
           SELECT 1 FROM outbox p WHERE p.conversation_key = o.conversation_key AND p.id < o.id
             AND p.state IN ('pending', 'sending'))
       ORDER BY o.id LIMIT ?`,
    );
    // Look first without a write lock: most polls find nothing.
    if (due.all(...scopeParams(scope), now, now, limit).length === 0) return [];
    const take = this.#sql(
      "UPDATE outbox SET state = 'sending', lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?",
    );
    return this.#db
      .transaction(() =>
        due.all(...scopeParams(scope), now, now, limit).map((row) => {
          take.run(owner, now + leaseMs, row.id);
          return toOutbox({ ...row, attempts: row.attempts + 1 }, row.state === "sending");
        }),
      )
      .immediate();
  }

  /** Records one more sent part and remembers its id → session, so replies to it route back. */
  async recordPart(row: OutboxRow, sentParts: string[]): Promise<void> {
    const now = this.#now();
    this.#db
      .transaction(() => {
        this.#recordPart.run(JSON.stringify(sentParts), row.id);
        const id = sentParts.at(-1);
        if (id !== undefined) this.#remember.run(row.channel, id, row.conversationKey, row.sessionId, now);
      })
      .immediate();
  }

  async markDelivered(id: number): Promise<void> {
    this.#delivered.run(this.#now(), id);
  }

  /** Back to pending until `at`; a rate limit does not count as a failed attempt. */
  async retryAt(id: number, at: number, error: string, countAttempt: boolean): Promise<void> {
    this.#retry.run(at, error, countAttempt ? 0 : 1, id);
  }

  async markFailed(id: number, error: string): Promise<void> {
    this.#failed.run(error, id);
  }

  async get(id: number): Promise<OutboxRow | undefined> {
    const row = this.#get.get(id);
    return row ? toOutbox(row) : undefined;
  }

  async list(filter: { conversationKey?: string; sessionId?: string } = {}): Promise<OutboxRow[]> {
    const rows = this.#sql<[{ key: string | null; session: string | null }], OutboxDbRow>(
      `SELECT * FROM outbox WHERE (@key IS NULL OR conversation_key = @key)
           AND (@session IS NULL OR session_id = @session) ORDER BY id`,
    ).all({ key: filter.conversationKey ?? null, session: filter.sessionId ?? null });
    return rows.map((row) => toOutbox(row));
  }

  /** Replies not yet delivered (waiting or being sent) and the age of the oldest, for /healthz. */
  async backlog(): Promise<{ pending: number; oldestCreatedAt: number | null }> {
    const row = this.#sql<[], { pending: number; oldest: number | null }>(
      "SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE state IN ('pending', 'sending')",
    ).get();
    return { pending: row?.pending ?? 0, oldestCreatedAt: row?.oldest ?? null };
  }

  async troubled(stuckBefore: number, limit: number): Promise<OutboxRow[]> {
    const rows = this.#sql<[number, number], OutboxDbRow>(
      `SELECT * FROM outbox WHERE state = 'failed'
          OR (state IN ('pending', 'sending') AND (error IS NOT NULL OR created_at < ?))
        ORDER BY id LIMIT ?`,
    ).all(stuckBefore, limit);
    return rows.map((row) => toOutbox(row));
  }

  async retryNow(id: number): Promise<boolean> {
    return (
      this.#sql(
        `UPDATE outbox SET state = 'pending', next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
         WHERE id = ? AND state IN ('pending', 'failed')`,
      ).run(this.#now(), id).changes > 0
    );
  }

  async giveUp(id: number, reason: string): Promise<boolean> {
    return (
      this.#sql("UPDATE outbox SET state = 'failed', error = ? WHERE id = ? AND state = 'pending'").run(reason, id)
        .changes > 0
    );
  }

  /** The session that sent a platform message, for routing replies to the bot. */
  async sessionOfMessage(channel: string, messageId: string): Promise<string | undefined> {
    const row = this.#sql<[string, string], { session_id: string | null }>(
      "SELECT session_id FROM platform_messages WHERE channel = ? AND platform_message_id = ?",
    ).get(channel, messageId);
    return row?.session_id ?? undefined;
  }
}
