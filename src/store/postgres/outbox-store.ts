import type { Clock } from "../../ids.js";
import type { OutboxRepository } from "../outbox-repository.js";
import type { NewOutbox, OutboxRow, WorkScope } from "../types.js";
import { at, type PgDatabase, type Sql } from "./pg-database.js";
import { type OutboxDbRow, toOutbox } from "./pg-rows.js";
import { scopeFilter } from "./work-scope.js";

/** Stores a reply inside the caller's transaction; returns its id. */
export async function insertOutbox(sql: Sql, now: number, row: NewOutbox): Promise<number> {
  const inserted = await sql.one<{ id: number }>(
    `INSERT INTO outbox (session_id, turn_id, channel, conversation_key, kind, text, reply_to_message_id,
       edit_message_id, next_attempt_at, created_at, platform_message_ids, ends_stream, buttons, file)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13) RETURNING id`,
    [
      row.sessionId,
      row.turnId ?? null,
      row.channel,
      row.conversationKey,
      row.kind,
      row.text,
      row.replyToMessageId ?? null,
      row.editMessageId ?? null,
      at(now),
      JSON.stringify(row.streamedAs ? [row.streamedAs] : []),
      Boolean(row.streamedAs),
      row.buttons && row.buttons.length > 0 ? JSON.stringify(row.buttons) : null,
      row.file ? JSON.stringify(row.file) : null,
    ],
  );
  if (!inserted) throw new Error("no outbox row was written");
  return inserted.id;
}

/** Replies waiting to go out: claimed with a lease, delivered part by part, in order per conversation. */
export class PgOutboxStore implements OutboxRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  enqueue(row: NewOutbox): Promise<number> {
    return insertOutbox(this.#db, this.#now(), row);
  }

  /**
   * Claims due rows of the scope: the oldest unsent row of each conversation. Rows another
   * claimer holds are skipped (SKIP LOCKED), and the UPDATE checks dueness again on the locked
   * row, so two processes never claim the same row.
   */
  async claim(owner: string, scope: WorkScope, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    if (scope.channels.length === 0) return [];
    const now = this.#now();
    const { sql: inScope, params } = scopeFilter(scope, "o", 5);
    const rows = await this.#db.rows<OutboxDbRow & { was: string }>(
      `WITH due AS (
         SELECT o.id, o.state AS was FROM outbox o
         WHERE o.state IN ('pending', 'sending') AND ${inScope}
           AND ((o.state = 'pending' AND o.next_attempt_at <= $1) OR (o.state = 'sending' AND o.lease_until < $1))
           AND NOT EXISTS (
             SELECT 1 FROM outbox p WHERE p.conversation_key = o.conversation_key AND p.id < o.id
               AND p.state IN ('pending', 'sending'))
         ORDER BY o.id LIMIT $2
         FOR UPDATE OF o SKIP LOCKED
       )
       UPDATE outbox o SET state = 'sending', lease_owner = $3, lease_until = $4, attempts = o.attempts + 1
       FROM due WHERE o.id = due.id
         AND ((o.state = 'pending' AND o.next_attempt_at <= $1) OR (o.state = 'sending' AND o.lease_until < $1))
       RETURNING o.*, due.was`,
      [at(now), limit, owner, at(now + leaseMs), ...params],
    );
    return rows.sort((a, b) => a.id - b.id).map((row) => toOutbox(row, row.was === "sending"));
  }

  async recordPart(row: OutboxRow, sentParts: string[]): Promise<void> {
    const now = this.#now();
    await this.#db.transaction(async (sql) => {
      await sql.run("UPDATE outbox SET platform_message_ids = $1 WHERE id = $2", [JSON.stringify(sentParts), row.id]);
      const id = sentParts.at(-1);
      if (id !== undefined) {
        await sql.run(
          `INSERT INTO platform_messages (channel, platform_message_id, conversation_key, session_id, created_at)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [row.channel, id, row.conversationKey, row.sessionId, at(now)],
        );
      }
    });
  }

  async markDelivered(id: number): Promise<void> {
    await this.#db.run(
      "UPDATE outbox SET state = 'delivered', delivered_at = $1, lease_owner = NULL, lease_until = NULL WHERE id = $2",
      [at(this.#now()), id],
    );
  }

  async retryAt(id: number, when: number, error: string, countAttempt: boolean): Promise<void> {
    await this.#db.run(
      `UPDATE outbox SET state = 'pending', next_attempt_at = $1, error = $2, lease_owner = NULL, lease_until = NULL,
         attempts = attempts - $3 WHERE id = $4`,
      [at(when), error, countAttempt ? 0 : 1, id],
    );
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.#db.run(
      "UPDATE outbox SET state = 'failed', error = $1, lease_owner = NULL, lease_until = NULL WHERE id = $2",
      [error, id],
    );
  }

  async get(id: number): Promise<OutboxRow | undefined> {
    const row = await this.#db.one<OutboxDbRow>("SELECT * FROM outbox WHERE id = $1", [id]);
    return row ? toOutbox(row) : undefined;
  }

  async list(filter: { conversationKey?: string; sessionId?: string } = {}): Promise<OutboxRow[]> {
    const rows = await this.#db.rows<OutboxDbRow>(
      `SELECT * FROM outbox WHERE ($1::text IS NULL OR conversation_key = $1)
         AND ($2::text IS NULL OR session_id = $2) ORDER BY id`,
      [filter.conversationKey ?? null, filter.sessionId ?? null],
    );
    return rows.map((row) => toOutbox(row));
  }

  /** Replies not yet delivered (waiting or being sent) and when the oldest was stored, for /healthz. */
  async backlog(): Promise<{ pending: number; oldestCreatedAt: number | null }> {
    const row = await this.#db.one<{ pending: number; oldest: number | null }>(
      "SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE state IN ('pending', 'sending')",
    );
    return { pending: row?.pending ?? 0, oldestCreatedAt: row?.oldest ?? null };
  }

  async troubled(stuckBefore: number, limit: number): Promise<OutboxRow[]> {
    const rows = await this.#db.rows<OutboxDbRow>(
      `SELECT * FROM outbox WHERE state = 'failed'
          OR (state IN ('pending', 'sending') AND (error IS NOT NULL OR created_at < $1))
        ORDER BY id LIMIT $2`,
      [at(stuckBefore), limit],
    );
    return rows.map((row) => toOutbox(row));
  }

  async retryNow(id: number): Promise<boolean> {
    const changed = await this.#db.run(
      `UPDATE outbox SET state = 'pending', next_attempt_at = $1, lease_owner = NULL, lease_until = NULL
       WHERE id = $2 AND state IN ('pending', 'failed')`,
      [at(this.#now()), id],
    );
    return changed > 0;
  }

  async giveUp(id: number, reason: string): Promise<boolean> {
    const changed = await this.#db.run(
      "UPDATE outbox SET state = 'failed', error = $1 WHERE id = $2 AND state = 'pending'",
      [reason, id],
    );
    return changed > 0;
  }

  async sessionOfMessage(channel: string, messageId: string): Promise<string | undefined> {
    const row = await this.#db.one<{ session_id: string | null }>(
      "SELECT session_id FROM platform_messages WHERE channel = $1 AND platform_message_id = $2",
      [channel, messageId],
    );
    return row?.session_id ?? undefined;
  }
}
