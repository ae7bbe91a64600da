import type { Clock } from "../../ids.js";
import type { TranscriptRepository } from "../store.js";
import type { NewTranscriptEntry, TranscriptEntry } from "../types.js";
import { type Db, statementCache } from "./database.js";
import { type MessageRow, toEntry } from "./rows.js";

export class SqliteTranscriptStore implements TranscriptRepository {
  readonly #db: Db;
  readonly #now: Clock;
  readonly #insert;
  readonly #touch;
  readonly #list;
  readonly #sql: ReturnType<typeof statementCache>;

  constructor(db: Db, now: Clock) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
    this.#insert = db.prepare<unknown[], MessageRow>(
      `INSERT INTO messages (session_id, turn_id, kind, content, step, tool_call_id, tool_name, tool_ok,
         sender_id, sender_name, platform_message_id, expert, created_at, attachments)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#touch = db.prepare("UPDATE sessions SET updated_at = ? WHERE id = ?");
    this.#list = db.prepare<[string], MessageRow>("SELECT * FROM messages WHERE session_id = ? ORDER BY id");
  }

  /** Synchronous core of {@link append}, for callers already inside a transaction. */
  appendSync(sessionId: string, entries: NewTranscriptEntry[]): TranscriptEntry[] {
    const now = this.#now();
    const rows = entries.map((entry) => {
      const row = this.#insert.get(
        sessionId,
        entry.turnId ?? null,
        entry.kind,
        entry.content,
        entry.step ?? null,
        entry.toolCallId ?? null,
        entry.toolName ?? null,
        entry.toolOk === undefined || entry.toolOk === null ? null : entry.toolOk ? 1 : 0,
        entry.senderId ?? null,
        entry.senderName ?? null,
        entry.platformMessageId ?? null,
        entry.expert ?? null,
        now,
        entry.attachments ?? null,
      );
      return toEntry(row as MessageRow);
    });
    this.#touch.run(now, sessionId);
    return rows;
  }

  async append(sessionId: string, entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]> {
    return this.#db.transaction(() => this.appendSync(sessionId, entries)).immediate();
  }

  async list(sessionId: string): Promise<TranscriptEntry[]> {
    return this.#list.all(sessionId).map(toEntry);
  }

  /** Stores a compaction summary that stands for the session's messages up to `coversThrough`. */
  async appendSummary(sessionId: string, content: string, coversThrough: number): Promise<TranscriptEntry> {
    return this.#db
      .transaction(() => {
        const [entry] = this.appendSync(sessionId, [{ kind: "summary", content }]);
        if (!entry) throw new Error("no summary row was written");
        this.#sql("UPDATE messages SET covers_through = ? WHERE id = ?").run(coversThrough, entry.id);
        return entry;
      })
      .immediate();
  }

  /** The newest compaction summary of a session and the last message id it stands for. */
  async latestSummary(sessionId: string): Promise<{ entry: TranscriptEntry; coversThrough: number } | undefined> {
    const row = this.#sql<[string], MessageRow & { covers_through: number }>(
      `SELECT * FROM messages WHERE session_id = ? AND kind = 'summary' AND covers_through IS NOT NULL
         ORDER BY id DESC LIMIT 1`,
    ).get(sessionId);
    return row ? { entry: toEntry(row), coversThrough: row.covers_through } : undefined;
  }
}
