import { type Clock, shortId } from "../../ids.js";
import type { Memory, MemoryHit, MemoryReader, MemoryRepository, MemoryType, NewMemory } from "../memory-repository.js";
import { type MemoryRow, toMemory } from "../memory-row.js";
import { at, type PgDatabase } from "./pg-database.js";
import { SEARCH_CONFIG, toTsQuery } from "./ts-query.js";

const columns = `m.id, m.type, m.scope, m.user_id, m.expert, m.content, m.source_session_id, m.source_message_id,
  m.created_at, m.updated_at`;

/** The visibility rule: the scope's project and decision notes, and the reader's own user notes. */
const readable = (scope: string, userId: string) =>
  `((m.type IN ('project', 'decision') AND m.scope = ${scope}) OR (m.type = 'user' AND m.user_id = ${userId}))`;

/** Memories and their full-text index (a generated tsvector with a GIN index). */
export class PgMemoryStore implements MemoryRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  async create(input: NewMemory): Promise<Memory> {
    const now = at(this.#now());
    for (let attempt = 0; ; attempt++) {
      const row = await this.#db.one<MemoryRow>(
        `INSERT INTO memories AS m (id, type, scope, user_id, expert, content, source_session_id, source_message_id,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (id) DO NOTHING RETURNING ${columns}`,
        [
          shortId("m", attempt < 5 ? 6 : 10),
          input.type,
          input.scope,
          input.userId,
          input.expert,
          input.content,
          input.sourceSessionId,
          input.sourceMessageId,
          now,
        ],
      );
      if (row) return toMemory(row);
    }
  }

  async update(
    id: string,
    change: Pick<Memory, "type" | "content" | "expert" | "sourceSessionId" | "sourceMessageId">,
  ): Promise<Memory | undefined> {
    const row = await this.#db.one<MemoryRow>(
      `UPDATE memories m SET type = $2, content = $3, expert = $4, source_session_id = $5, source_message_id = $6,
         updated_at = $7 WHERE m.id = $1 RETURNING ${columns}`,
      [id, change.type, change.content, change.expert, change.sourceSessionId, change.sourceMessageId, at(this.#now())],
    );
    return row ? toMemory(row) : undefined;
  }

  async get(id: string): Promise<Memory | undefined> {
    const row = await this.#db.one<MemoryRow>(`SELECT ${columns} FROM memories m WHERE m.id = $1`, [id]);
    return row ? toMemory(row) : undefined;
  }

  async list(filter: { type?: MemoryType; limit?: number } = {}): Promise<Memory[]> {
    const rows = await this.#db.rows<MemoryRow>(
      `SELECT ${columns} FROM memories m WHERE $1::text IS NULL OR m.type = $1
       ORDER BY m.updated_at DESC, m.id LIMIT $2`,
      [filter.type ?? null, filter.limit ?? null],
    );
    return rows.map(toMemory);
  }

  async readableBy(reader: MemoryReader, limit = 200): Promise<Memory[]> {
    const rows = await this.#db.rows<MemoryRow>(
      `SELECT ${columns} FROM memories m WHERE ${readable("$1", "$2")} ORDER BY m.updated_at DESC, m.id LIMIT $3`,
      [reader.scope, reader.userId, limit],
    );
    return rows.map(toMemory);
  }

  /** Any word matches; ts_rank (negated: lower is better) puts notes with more of the words first. */
  async search(
    reader: MemoryReader,
    text: string,
    options: { type?: MemoryType; limit?: number } = {},
  ): Promise<MemoryHit[]> {
    const query = toTsQuery(text, "any");
    if (!query) return [];
    const rows = await this.#db.rows<MemoryRow & { snippet: string; rank: number }>(
      `WITH q AS (SELECT to_tsquery('${SEARCH_CONFIG}', $1) AS query)
       SELECT ${columns}, -ts_rank(m.search, q.query) AS rank,
         ts_headline('${SEARCH_CONFIG}', m.content, q.query,
           'StartSel=[, StopSel=], MaxWords=16, MinWords=4, ShortWord=0, MaxFragments=1, FragmentDelimiter=…')
           AS snippet
       FROM memories m, q
       WHERE m.search @@ q.query AND ${readable("$2", "$3")} AND ($4::text IS NULL OR m.type = $4)
       ORDER BY rank, m.updated_at DESC LIMIT $5`,
      [query, reader.scope, reader.userId, options.type ?? null, options.limit ?? 10],
    );
    return rows.map((row): MemoryHit => ({ memory: toMemory(row), snippet: row.snippet, rank: row.rank }));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#db.run("DELETE FROM memories WHERE id = $1", [id])) > 0;
  }
}
