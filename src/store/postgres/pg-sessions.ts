import { StoreError } from "../../errors.js";
import { shortId } from "../../ids.js";
import type { NewSession, Session } from "../types.js";
import { at, isUniqueViolation, type Sql } from "./pg-database.js";
import { type SessionRow, sessionColumns, toSession } from "./pg-rows.js";

/*
 * The session reads and writes that several repositories do inside their own transactions.
 * Whoever changes a conversation's current session holds that conversation's advisory lock
 * first, so "read the current session, then replace it" is never interleaved.
 */

/** Serialises the transactions that read and change a conversation's current session. */
export async function lockConversation(sql: Sql, conversationKey: string): Promise<void> {
  await sql.run("SELECT pg_advisory_xact_lock(hashtext($1))", [`conversation:${conversationKey}`]);
}

/** Locks a session's row until the transaction ends: claims, accepts and turn endings of one session take turns. */
export async function lockSession(sql: Sql, id: string): Promise<Session | undefined> {
  const row = await sql.one<SessionRow>(`SELECT ${sessionColumns("s")} FROM sessions s WHERE s.id = $1 FOR UPDATE`, [
    id,
  ]);
  return row ? toSession(row) : undefined;
}

export async function getSession(sql: Sql, id: string): Promise<Session | undefined> {
  const row = await sql.one<SessionRow>(`SELECT ${sessionColumns("s")} FROM sessions s WHERE s.id = $1`, [id]);
  return row ? toSession(row) : undefined;
}

export async function mustGetSession(sql: Sql, id: string): Promise<Session> {
  const session = await getSession(sql, id);
  if (!session) throw new StoreError("STORE_INCONSISTENT", `session ${id} vanished`);
  return session;
}

export async function currentSession(sql: Sql, conversationKey: string): Promise<Session | undefined> {
  const row = await sql.one<SessionRow>(
    `SELECT ${sessionColumns("s")} FROM conversations c JOIN sessions s ON s.id = c.session_id
     WHERE c.conversation_key = $1`,
    [conversationKey],
  );
  return row ? toSession(row) : undefined;
}

export async function setCurrent(sql: Sql, conversationKey: string, channel: string, sessionId: string): Promise<void> {
  await sql.run(
    `INSERT INTO conversations (conversation_key, channel, session_id) VALUES ($1, $2, $3)
     ON CONFLICT (conversation_key) DO UPDATE SET session_id = excluded.session_id`,
    [conversationKey, channel, sessionId],
  );
}

export async function deactivate(sql: Sql, sessionId: string, now: number): Promise<void> {
  await sql.run("UPDATE sessions SET state = 'inactive', updated_at = $1 WHERE id = $2 AND state = 'active'", [
    at(now),
    sessionId,
  ]);
}

/**
 * Creates a session (inside the caller's transaction) and, unless detached, makes it its
 * conversation's current one. A clash of the short random id is retried with a fresh one under
 * a savepoint, so the transaction survives it.
 */
export async function createSession(sql: Sql, now: number, input: NewSession): Promise<Session> {
  for (let attempt = 0; ; attempt++) {
    const id = shortId("s", attempt < 5 ? 6 : 10);
    const conversationKey =
      typeof input.conversationKey === "function" ? input.conversationKey(id) : input.conversationKey;
    if (!input.detached) {
      await lockConversation(sql, conversationKey);
      const previous = await currentSession(sql, conversationKey);
      if (previous) await deactivate(sql, previous.id, now);
    }
    await sql.run("SAVEPOINT new_session");
    try {
      await sql.run(
        `INSERT INTO sessions (id, channel, conversation_key, expert, title, owner, state, origin, mode, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $9)`,
        [
          id,
          input.channel,
          conversationKey,
          input.expert,
          input.title ?? null,
          input.owner ?? null,
          input.origin,
          input.mode ?? null,
          at(now),
        ],
      );
      await sql.run("RELEASE SAVEPOINT new_session");
    } catch (error) {
      await sql.run("ROLLBACK TO SAVEPOINT new_session");
      if (isUniqueViolation(error) && attempt < 10) continue;
      throw error;
    }
    if (!input.detached) await setCurrent(sql, conversationKey, input.channel, id);
    return mustGetSession(sql, id);
  }
}
