import type { Clock } from "../../ids.js";
import type { TranscriptRepository } from "../store.js";
import type { NewTranscriptEntry, TranscriptEntry } from "../types.js";
import { at, type PgDatabase, type Sql } from "./pg-database.js";
import { type MessageRow, messageColumns, toEntry } from "./pg-rows.js";

/** Appends transcript rows inside the caller's transaction and touches the session. */
export async function appendEntries(
  sql: Sql,
  now: number,
  sessionId: string,
  entries: readonly NewTranscriptEntry[],
): Promise<TranscriptEntry[]> {
  const added: TranscriptEntry[] = [];
  for (const entry of entries) {
    const row = await sql.one<MessageRow>(
      `INSERT INTO messages (session_id, turn_id, kind, content, step, tool_call_id, tool_name, tool_ok,
         sender_id, sender_name, platform_message_id, expert, created_at, attachments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${messageColumns}`,
      [
        sessionId,
        entry.turnId ?? null,
        entry.kind,
        entry.content,
        entry.step ?? null,
        entry.toolCallId ?? null,
        entry.toolName ?? null,
        entry.toolOk ?? null,
        entry.senderId ?? null,
        entry.senderName ?? null,
        entry.platformMessageId ?? null,
        entry.expert ?? null,
        at(now),
        entry.attachments ?? null,
      ],
    );
    if (row) added.push(toEntry(row));
  }
  await sql.run("UPDATE sessions SET updated_at = $1 WHERE id = $2", [at(now), sessionId]);
  return added;
}

export class PgTranscriptStore implements TranscriptRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  append(sessionId: string, entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]> {
    return this.#db.transaction((sql) => appendEntries(sql, this.#now(), sessionId, entries));
  }

  async list(sessionId: string): Promise<TranscriptEntry[]> {
    const rows = await this.#db.rows<MessageRow>(
      `SELECT ${messageColumns} FROM messages WHERE session_id = $1 ORDER BY id`,
      [sessionId],
    );
    return rows.map(toEntry);
  }

  appendSummary(sessionId: string, content: string, coversThrough: number): Promise<TranscriptEntry> {
    return this.#db.transaction(async (sql) => {
      const [entry] = await appendEntries(sql, this.#now(), sessionId, [{ kind: "summary", content }]);
      if (!entry) throw new Error("no summary row was written");
      await sql.run("UPDATE messages SET covers_through = $1 WHERE id = $2", [coversThrough, entry.id]);
      return entry;
    });
  }

  async latestSummary(sessionId: string): Promise<{ entry: TranscriptEntry; coversThrough: number } | undefined> {
    const row = await this.#db.one<MessageRow & { covers_through: number }>(
      `SELECT ${messageColumns} FROM messages
       WHERE session_id = $1 AND kind = 'summary' AND covers_through IS NOT NULL ORDER BY id DESC LIMIT 1`,
      [sessionId],
    );
    return row ? { entry: toEntry(row), coversThrough: row.covers_through } : undefined;
  }
}
