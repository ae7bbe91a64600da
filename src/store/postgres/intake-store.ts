import { StoreError } from "../../errors.js";
import type { Clock } from "../../ids.js";
import type { AcceptPolicy, RefusalNotice, Route } from "../queue-repository.js";
import type { AcceptOutcome, NewInbound, NewOutbox, Session } from "../types.js";
import { insertOutbox } from "./outbox-store.js";
import { at, type PgDatabase, type Sql } from "./pg-database.js";
import { type SessionRow, sessionColumns, toSession } from "./pg-rows.js";
import {
  createSession,
  currentSession,
  deactivate,
  getSession,
  lockConversation,
  lockSession,
  setCurrent,
} from "./pg-sessions.js";

class Duplicate extends Error {}

/** Stores one inbound row of a session (the caller holds the transaction and has checked delivery keys). */
export async function insertInbound(
  sql: Sql,
  now: number,
  session: Session,
  message: NewInbound,
  state: "queued" | "dropped" = "queued",
): Promise<number> {
  const row = await sql.one<{ id: number }>(
    `INSERT INTO inbound (session_id, channel, conversation_key, sender_id, sender_name, text, attachments,
       platform_message_id, reply_to_message_id, addressed, state, received_at, answered_at, deferred)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
    [
      session.id,
      message.channel,
      session.conversationKey,
      message.senderId,
      message.senderName,
      message.text,
      message.attachments,
      message.platformMessageId,
      message.replyToMessageId,
      message.addressed,
      state,
      at(now),
      state === "dropped" ? at(now) : null,
      message.deferred ?? null,
    ],
  );
  if (!row) throw new Error("no inbound row was written");
  return row.id;
}

/**
 * What comes in: accepted messages written as inbound rows (with the session they are routed to),
 * and the delivery keys that make a redelivery a duplicate, also of messages that are not queued.
 */
export class PgIntakeStore {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Commits an inbound message, and on first contact its session, in one transaction: delivery
   * keys first (a concurrent twin waits on the key and then finds it taken), then the
   * conversation's lock, the routing facts, the policy's route, the routed session's row lock,
   * its queue facts, the policy's admission, and the writes.
   */
  async accept(message: NewInbound, policy: AcceptPolicy): Promise<AcceptOutcome> {
    try {
      return await this.#db.transaction((sql) => this.#acceptIn(sql, message, policy));
    } catch (error) {
      if (error instanceof Duplicate) return { status: "duplicate" };
      throw error;
    }
  }

  async #acceptIn(sql: Sql, message: NewInbound, policy: AcceptPolicy): Promise<AcceptOutcome> {
    const now = this.#now();
    await addKeys(sql, now, message.deliveryKeys);
    await lockConversation(sql, message.conversationKey);
    const current = await currentSession(sql, message.conversationKey);
    const repliedTo = message.replyToMessageId
      ? await senderOf(sql, message.channel, message.replyToMessageId)
      : undefined;
    let session = await this.#follow(sql, now, policy.route({ repliedTo, current }), current);
    await lockSession(sql, session.id);
    const counts = await sql.one<{ queued: number; running: number; last_dropped: boolean | null }>(
      `SELECT (SELECT COUNT(*) FROM inbound WHERE session_id = $1 AND state = 'queued') AS queued,
              (SELECT COUNT(*) FROM turns WHERE session_id = $1 AND state = 'running') AS running,
              (SELECT state = 'dropped' FROM inbound WHERE session_id = $1 ORDER BY id DESC LIMIT 1) AS last_dropped`,
      [session.id],
    );
    const admission = policy.admit(session, {
      queued: counts?.queued ?? 0,
      running: (counts?.running ?? 0) > 0,
      lastDropped: counts?.last_dropped === true,
    });
    if (admission.title !== undefined && admission.title !== session.title) {
      await sql.run("UPDATE sessions SET title = $1 WHERE id = $2", [admission.title, session.id]);
      session = { ...session, title: admission.title };
    }
    if (admission.expert !== undefined && admission.expert !== session.expert) {
      await sql.run("UPDATE sessions SET expert = $1, updated_at = $2 WHERE id = $3", [
        admission.expert,
        at(now),
        session.id,
      ]);
      session = { ...session, expert: admission.expert };
    }
    const inboundId = await insertInbound(sql, now, session, message, admission.dropped ? "dropped" : "queued");
    await sql.run("UPDATE delivery_keys SET inbound_id = $1 WHERE key = ANY($2::text[])", [
      inboundId,
      [...message.deliveryKeys],
    ]);
    if (admission.notice) await insertOutbox(sql, now, admission.notice.reply);
    return {
      status: "accepted",
      inboundId,
      session,
      queued: admission.queued,
      notice: admission.notice?.reason ?? null,
      dropped: admission.dropped,
    };
  }

  /** Creates or reopens the session a route names. */
  async #follow(sql: Sql, now: number, route: Route, current: Session | undefined): Promise<Session> {
    if ("create" in route) return createSession(sql, now, route.create);
    const gone = () => new StoreError("STORE_INCONSISTENT", `routed to session ${route.sessionId}, which is gone`);
    const found = await getSession(sql, route.sessionId);
    if (!found) throw gone();
    // Conversation before session, the order every transaction takes them in.
    if (route.reopen) await lockConversation(sql, found.conversationKey);
    const session = await lockSession(sql, route.sessionId);
    if (!session) throw gone();
    if (!route.reopen) return session;
    if (current && current.id !== session.id) await deactivate(sql, current.id, now);
    await setCurrent(sql, session.conversationKey, session.channel, session.id);
    await sql.run("UPDATE sessions SET state = 'active', archived_at = NULL, updated_at = $1 WHERE id = $2", [
      at(now),
      session.id,
    ]);
    return { ...session, state: "active", archivedAt: null };
  }

  async recordDelivery(keys: readonly string[], notice?: NewOutbox): Promise<boolean> {
    try {
      await this.#db.transaction(async (sql) => {
        const now = this.#now();
        await addKeys(sql, now, keys);
        if (notice) await insertOutbox(sql, now, notice);
      });
      return true;
    } catch (error) {
      if (error instanceof Duplicate) return false;
      throw error;
    }
  }

  async refuse(
    keys: readonly string[],
    principal: string,
    notice: RefusalNotice,
  ): Promise<"duplicate" | "notified" | "quiet"> {
    const now = this.#now();
    try {
      return await this.#db.transaction(async (sql) => {
        await addKeys(sql, now, keys);
        await sql.run("SELECT pg_advisory_xact_lock(hashtext($1))", [`principal:${principal}`]);
        const last = await sql.one<{ notified_at: number }>(
          "SELECT notified_at FROM access_notices WHERE principal = $1",
          [principal],
        );
        const reply = notice({ lastNotifiedAt: last?.notified_at, now });
        if (!reply) return "quiet" as const;
        await sql.run(
          `INSERT INTO access_notices (principal, notified_at) VALUES ($1, $2)
           ON CONFLICT (principal) DO UPDATE SET notified_at = excluded.notified_at`,
          [principal, at(now)],
        );
        await insertOutbox(sql, now, reply);
        return "notified" as const;
      });
    } catch (error) {
      if (error instanceof Duplicate) return "duplicate";
      throw error;
    }
  }

  async pruneDeliveryKeys(maxAgeMs: number): Promise<number> {
    const age = Math.max(maxAgeMs, 7 * 24 * 3600 * 1000);
    return this.#db.run("DELETE FROM delivery_keys WHERE created_at < $1", [at(this.#now() - age)]);
  }
}

/**
 * Records delivery keys, throwing {@link Duplicate} (which rolls the transaction back) if one
 * was seen before. A key another transaction is inserting makes this one wait for its outcome.
 */
async function addKeys(sql: Sql, now: number, keys: readonly string[]): Promise<void> {
  for (const key of new Set(keys)) {
    const added = await sql.run(
      "INSERT INTO delivery_keys (key, created_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
      [key, at(now)],
    );
    if (added === 0) throw new Duplicate();
  }
}

/** The session that sent a platform message (replies to the bot's messages go back to it). */
async function senderOf(sql: Sql, channel: string, platformMessageId: string): Promise<Session | undefined> {
  const row = await sql.one<SessionRow>(
    `SELECT ${sessionColumns("s")} FROM platform_messages p JOIN sessions s ON s.id = p.session_id
     WHERE p.channel = $1 AND p.platform_message_id = $2`,
    [channel, platformMessageId],
  );
  return row ? toSession(row) : undefined;
}
