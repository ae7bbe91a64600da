import { StoreError } from "../../errors.js";
import type { Clock } from "../../ids.js";
import type { AcceptPolicy, RefusalNotice, Route } from "../queue-repository.js";
import type { AcceptOutcome, NewInbound, NewOutbox, Session } from "../types.js";
import { type Db, statementCache } from "./database.js";
import type { SqliteOutboxStore } from "./outbox-store.js";
import { type SessionRow, toSession } from "./rows.js";
import type { SqliteSessionStore } from "./session-store.js";

class Duplicate extends Error {}

/**
 * What comes in: accepted messages written as inbound rows (with the session they are routed to),
 * and the delivery keys that make a redelivery a duplicate, also of messages that are not queued.
 */
export class SqliteIntakeStore {
  readonly #db: Db;
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;
  readonly #sessions: SqliteSessionStore;
  readonly #outbox: SqliteOutboxStore;

  constructor(db: Db, now: Clock, parts: { sessions: SqliteSessionStore; outbox: SqliteOutboxStore }) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
    this.#sessions = parts.sessions;
    this.#outbox = parts.outbox;
  }

  /**
   * Commits an inbound message, and on first contact its session, in one
   * transaction, routed and admitted as `policy` decides. A delivery key seen
   * before makes it a duplicate and nothing is written.
   */
  async accept(message: NewInbound, policy: AcceptPolicy): Promise<AcceptOutcome> {
    try {
      return this.#db.transaction(() => this.#acceptSync(message, policy)).immediate();
    } catch (error) {
      if (error instanceof Duplicate) return { status: "duplicate" };
      throw error;
    }
  }

  #acceptSync(message: NewInbound, policy: AcceptPolicy): AcceptOutcome {
    const now = this.#now();
    this.#addKeys(message.deliveryKeys);
    const current = this.#currentRow(message.conversationKey);
    const repliedTo = message.replyToMessageId ? this.#senderOf(message.channel, message.replyToMessageId) : undefined;
    let session = this.#follow(policy.route({ repliedTo, current }), current);
    const counts = this.#sql<[{ id: string }], { queued: number; running: number; lastDropped: number }>(
      `SELECT (SELECT COUNT(*) FROM inbound WHERE session_id = @id AND state = 'queued') AS queued,
              (SELECT COUNT(*) FROM turns WHERE session_id = @id AND state = 'running') AS running,
              COALESCE((SELECT state = 'dropped' FROM inbound WHERE session_id = @id ORDER BY id DESC LIMIT 1), 0)
                AS lastDropped`,
    ).get({ id: session.id }) ?? { queued: 0, running: 0, lastDropped: 0 };
    const admission = policy.admit(session, {
      queued: counts.queued,
      running: counts.running > 0,
      lastDropped: counts.lastDropped === 1,
    });
    if (admission.title !== undefined && admission.title !== session.title) {
      this.#sql("UPDATE sessions SET title = ? WHERE id = ?").run(admission.title, session.id);
      session = { ...session, title: admission.title };
    }
    if (admission.expert !== undefined && admission.expert !== session.expert) {
      this.#sql("UPDATE sessions SET expert = ?, updated_at = ? WHERE id = ?").run(admission.expert, now, session.id);
      session = { ...session, expert: admission.expert };
    }
    const inboundId = this.insertInboundSync(session, message, admission.dropped ? "dropped" : "queued");
    this.#sql("UPDATE delivery_keys SET inbound_id = ? WHERE key IN (SELECT value FROM json_each(?))").run(
      inboundId,
      JSON.stringify(message.deliveryKeys),
    );
    if (admission.notice) this.#outbox.insertSync(admission.notice.reply);
    return {
      status: "accepted",
      inboundId,
      session,
      queued: admission.queued,
      notice: admission.notice?.reason ?? null,
      dropped: admission.dropped,
    };
  }

  /** Stores one inbound row of a session (callers hold the transaction and have checked delivery keys). */
  insertInboundSync(session: Session, message: NewInbound, state: "queued" | "dropped" = "queued"): number {
    const now = this.#now();
    const result = this.#sql(
      `INSERT INTO inbound (session_id, channel, conversation_key, sender_id, sender_name, text, attachments,
           platform_message_id, reply_to_message_id, addressed, state, received_at, answered_at, deferred)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      session.id,
      message.channel,
      session.conversationKey,
      message.senderId,
      message.senderName,
      message.text,
      message.attachments,
      message.platformMessageId,
      message.replyToMessageId,
      message.addressed ? 1 : 0,
      state,
      now,
      state === "dropped" ? now : null,
      message.deferred ?? null,
    );
    return Number(result.lastInsertRowid);
  }

  /** The session that sent a platform message (replies to the bot's messages go back to it). */
  #senderOf(channel: string, platformMessageId: string): Session | undefined {
    const row = this.#sql<[string, string], SessionRow>(
      `SELECT s.* FROM platform_messages p JOIN sessions s ON s.id = p.session_id
         WHERE p.channel = ? AND p.platform_message_id = ?`,
    ).get(channel, platformMessageId);
    return row ? toSession(row) : undefined;
  }

  /** Creates or reopens the session a route names. */
  #follow(route: Route, current: Session | undefined): Session {
    if ("create" in route) return this.#sessions.createSync(route.create);
    const session = this.#sessions.getSync(route.sessionId);
    if (!session) throw new StoreError("STORE_INCONSISTENT", `routed to session ${route.sessionId}, which is gone`);
    if (!route.reopen) return session;
    const now = this.#now();
    if (current && current.id !== session.id) {
      this.#sql("UPDATE sessions SET state = 'inactive', updated_at = ? WHERE id = ? AND state = 'active'").run(
        now,
        current.id,
      );
    }
    this.#sql(
      `INSERT INTO conversations (conversation_key, channel, session_id) VALUES (?, ?, ?)
         ON CONFLICT (conversation_key) DO UPDATE SET session_id = excluded.session_id`,
    ).run(session.conversationKey, session.channel, session.id);
    this.#sql("UPDATE sessions SET state = 'active', archived_at = NULL, updated_at = ? WHERE id = ?").run(
      now,
      session.id,
    );
    return { ...session, state: "active", archivedAt: null };
  }

  #currentRow(conversationKey: string): Session | undefined {
    const row = this.#sql<[string], SessionRow>(
      "SELECT s.* FROM conversations c JOIN sessions s ON s.id = c.session_id WHERE c.conversation_key = ?",
    ).get(conversationKey);
    return row ? toSession(row) : undefined;
  }

  /**
   * Records delivery keys of a message that is not queued (a command, a
   * refusal) so that a redelivery is recognised; false if one was seen before.
   */
  async recordDelivery(keys: readonly string[], notice?: NewOutbox): Promise<boolean> {
    try {
      this.#db
        .transaction(() => {
          this.#addKeys(keys);
          if (notice) this.#outbox.insertSync(notice);
        })
        .immediate();
      return true;
    } catch (error) {
      if (error instanceof Duplicate) return false;
      throw error;
    }
  }

  /**
   * A message from someone not admitted: its keys are recorded, and the reply
   * `notice` decides on (if any) is stored with the time. Returns whether the
   * message was new and whether a notice went out.
   */
  async refuse(
    keys: readonly string[],
    principal: string,
    notice: RefusalNotice,
  ): Promise<"duplicate" | "notified" | "quiet"> {
    const now = this.#now();
    try {
      return this.#db
        .transaction(() => {
          this.#addKeys(keys);
          const last = this.#sql<[string], { notified_at: number }>(
            "SELECT notified_at FROM access_notices WHERE principal = ?",
          ).get(principal);
          const reply = notice({ lastNotifiedAt: last?.notified_at, now });
          if (!reply) return "quiet" as const;
          this.#sql(
            `INSERT INTO access_notices (principal, notified_at) VALUES (?, ?)
             ON CONFLICT (principal) DO UPDATE SET notified_at = excluded.notified_at`,
          ).run(principal, now);
          this.#outbox.insertSync(reply);
          return "notified" as const;
        })
        .immediate();
    } catch (error) {
      if (error instanceof Duplicate) return "duplicate";
      throw error;
    }
  }

  #addKeys(keys: readonly string[]): void {
    const now = this.#now();
    const add = this.#sql("INSERT OR IGNORE INTO delivery_keys (key, created_at) VALUES (?, ?)");
    for (const key of new Set(keys)) if (add.run(key, now).changes === 0) throw new Duplicate();
  }

  /** Forgets delivery keys older than `maxAgeMs` (at least 7 days are kept). */
  async pruneDeliveryKeys(maxAgeMs: number): Promise<number> {
    const age = Math.max(maxAgeMs, 7 * 24 * 3600 * 1000);
    return this.#sql("DELETE FROM delivery_keys WHERE created_at < ?").run(this.#now() - age).changes;
  }
}
