import { type Clock, shortId } from "../../ids.js";
import type { Memory, MemoryHit, MemoryReader, MemoryRepository, MemoryType, NewMemory } from "../memory-repository.js";
import { type MemoryRow, toMemory } from "../memory-row.js";
import { type Db, statementCache } from "./database.js";
import { toFtsQuery } from "./session-store.js";

const readable = `((m.type IN ('project', 'decision') AND m.scope = @scope) OR (m.type = 'user' AND m.user_id = @userId))`;

/** Memories and their full-text index (migration 003). */
export class SqliteMemoryStore implements MemoryRepository {
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;

  constructor(db: Db, now: Clock) {
    this.#sql = statementCache(db);
    this.#now = now;
  }

  async create(input: NewMemory): Promise<Memory> {
    const now = this.#now();
    for (let attempt = 0; ; attempt++) {
      const id = shortId("m", attempt < 5 ? 6 : 10);
      const row = this.#sql<object, MemoryRow>(
        `INSERT INTO memories (id, type, scope, user_id, expert, content, source_session_id, source_message_id,
           created_at, updated_at)
         VALUES (@id, @type, @scope, @userId, @expert, @content, @sourceSessionId, @sourceMessageId, @now, @now)
         ON CONFLICT (id) DO NOTHING RETURNING *`,
      ).get({ ...input, id, now });
      if (row) return toMemory(row);
    }
  }

  /** Replaces a note's text (and type, Expert, source); undefined when it does not exist. */
  async update(
    id: string,
    change: Pick<Memory, "type" | "content" | "expert" | "sourceSessionId" | "sourceMessageId">,
  ): Promise<Memory | undefined> {
    const row = this.#sql<object, MemoryRow>(
      `UPDATE memories SET type = @type, content = @content, expert = @expert, source_session_id = @sourceSessionId,
         source_message_id = @sourceMessageId, updated_at = @now WHERE id = @id RETURNING *`,
    ).get({ ...change, id, now: this.#now() });
    return row ? toMemory(row) : undefined;
  }

  async get(id: string): Promise<Memory | undefined> {
    const row = this.#sql<[string], MemoryRow>("SELECT * FROM memories WHERE id = ?").get(id);
    return row ? toMemory(row) : undefined;
  }

  /** Every note, or those of one type; newest first. */
  async list(filter: { type?: MemoryType; limit?: number } = {}): Promise<Memory[]> {
    return this.#sql<object, MemoryRow>(
      `SELECT * FROM memories WHERE @type IS NULL OR type = @type ORDER BY updated_at DESC, id LIMIT @limit`,
    )
      .all({ type: filter.type ?? null, limit: filter.limit ?? -1 })
      .map(toMemory);
  }

  /** The notes a reader may see, newest first. */
  async readableBy(reader: MemoryReader, limit = 200): Promise<Memory[]> {
    return this.#sql<object, MemoryRow>(
      `SELECT m.* FROM memories m WHERE ${readable} ORDER BY m.updated_at DESC, m.id LIMIT @limit`,
    )
      .all({ scope: reader.scope, userId: reader.userId, limit })
      .map(toMemory);
  }

  /** Full-text search among the notes a reader may see, best first. */
  async search(
    reader: MemoryReader,
    text: string,
    options: { type?: MemoryType; limit?: number } = {},
  ): Promise<MemoryHit[]> {
    const query = toFtsQuery(text, "any");
    if (!query) return [];
    return this.#sql<object, MemoryRow & { snippet: string; rank: number }>(
      `SELECT m.*, snippet(memories_fts, 0, '[', ']', '…', 16) AS snippet, bm25(memories_fts) AS rank
       FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid
       WHERE memories_fts MATCH @query AND ${readable} AND (@type IS NULL OR m.type = @type)
       ORDER BY rank, m.updated_at DESC LIMIT @limit`,
    )
      .all({
        query,
        scope: reader.scope,
        userId: reader.userId,
        type: options.type ?? null,
        limit: options.limit ?? 10,
      })
      .map((row): MemoryHit => ({ memory: toMemory(row), snippet: row.snippet, rank: row.rank }));
  }

  /** False when there was no such note. */
  async delete(id: string): Promise<boolean> {
    return this.#sql("DELETE FROM memories WHERE id = ?").run(id).changes > 0;
  }
}
