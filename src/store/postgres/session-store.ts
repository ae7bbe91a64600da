import type { QueueMode } from "../../config/file-schema.js";
import { NotFoundError } from "../../errors.js";
import type { Clock } from "../../ids.js";
import type { SessionRepository } from "../store.js";
import type {
  NewSession,
  SearchHit,
  Session,
  SessionListFilter,
  SessionSearchOptions,
  SessionSharing,
} from "../types.js";
import { at, type PgDatabase, type Sql } from "./pg-database.js";
import { type SessionRow, sessionColumns, toSession } from "./pg-rows.js";
import {
  createSession,
  currentSession,
  deactivate,
  getSession,
  lockConversation,
  mustGetSession,
  setCurrent,
} from "./pg-sessions.js";
import { SEARCH_CONFIG, toTsQuery } from "./ts-query.js";

const columns = sessionColumns("s");

export class PgSessionStore implements SessionRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  create(input: NewSession): Promise<Session> {
    return this.#db.transaction((sql) => createSession(sql, this.#now(), input));
  }

  get(id: string): Promise<Session | undefined> {
    return getSession(this.#db, id);
  }

  async resolve(idOrPrefix: string): Promise<Session> {
    const wanted = idOrPrefix.trim();
    const exact = await getSession(this.#db, wanted);
    if (exact) return exact;
    if (wanted.length < 2) throw new NotFoundError(`no session "${wanted}"`);
    const rows = await this.#db.rows<SessionRow>(
      `SELECT ${columns} FROM sessions s WHERE left(s.id, length($1)) = $1 ORDER BY s.id LIMIT 2`,
      [wanted],
    );
    const [first, second] = rows;
    if (!first) throw new NotFoundError(`no session "${wanted}"`);
    if (second) throw new NotFoundError(`session prefix "${wanted}" is ambiguous (${first.id}, ${second.id}, …)`);
    return toSession(first);
  }

  current(conversationKey: string): Promise<Session | undefined> {
    return currentSession(this.#db, conversationKey);
  }

  async list(filter: SessionListFilter): Promise<Session[]> {
    const params: unknown[] = [filter.states];
    const where = ["s.state = ANY($1::text[])"];
    for (const [column, value] of [
      ["channel", filter.channel],
      ["conversation_key", filter.conversationKey],
      ["origin", filter.origin],
      ["expert", filter.expert],
      ["owner", filter.owner],
    ] as const) {
      if (!value) continue;
      params.push(value);
      where.push(`s.${column} = $${params.length}`);
    }
    params.push(filter.limit ?? null);
    const rows = await this.#db.rows<SessionRow>(
      `SELECT ${columns} FROM sessions s WHERE ${where.join(" AND ")}
       ORDER BY s.updated_at DESC, s.seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toSession);
  }

  rename(id: string, title: string): Promise<Session> {
    return this.#update(id, "title = $2, updated_at = $3", [title, at(this.#now())]);
  }

  setSharing(id: string, sharing: SessionSharing | null): Promise<Session> {
    return this.#update(id, "sharing = $2, updated_at = $3", [sharing, at(this.#now())]);
  }

  setExpert(id: string, expert: string): Promise<Session> {
    return this.#update(id, "expert = $2, updated_at = $3", [expert, at(this.#now())]);
  }

  setMode(id: string, mode: QueueMode | null): Promise<Session> {
    return this.#update(id, "mode = $2, updated_at = $3", [mode, at(this.#now())]);
  }

  archive(id: string): Promise<Session> {
    const now = at(this.#now());
    return this.#update(id, "state = 'archived', archived_at = $2, updated_at = $2", [now]);
  }

  unarchive(id: string): Promise<Session> {
    return this.#update(
      id,
      `archived_at = NULL, updated_at = $2,
       state = CASE WHEN EXISTS (SELECT 1 FROM conversations WHERE session_id = $1) THEN 'active' ELSE 'inactive' END`,
      [at(this.#now())],
    );
  }

  makeCurrent(id: string): Promise<Session> {
    const now = this.#now();
    return this.#db.transaction(async (sql) => {
      const session = await mustGetSession(sql, id);
      await lockConversation(sql, session.conversationKey);
      const previous = await currentSession(sql, session.conversationKey);
      if (previous && previous.id !== id) await deactivate(sql, previous.id, now);
      await setCurrent(sql, session.conversationKey, session.channel, id);
      return this.#updateIn(sql, id, "state = 'active', archived_at = NULL, updated_at = $2", [at(now)]);
    });
  }

  async moveConversation(from: string, to: string): Promise<void> {
    if (from === to) return;
    await this.#db.transaction(async (sql) => {
      // Both keys, in one order, so two opposite moves cannot deadlock.
      for (const key of [from, to].sort()) await lockConversation(sql, key);
      const moving = await currentSession(sql, from);
      if (!moving) return;
      const there = await currentSession(sql, to);
      if (there) await deactivate(sql, there.id, this.#now());
      await sql.run("DELETE FROM conversations WHERE conversation_key = $1", [to]);
      for (const table of ["conversations", "sessions", "inbound", "outbox", "platform_messages"]) {
        await sql.run(`UPDATE ${table} SET conversation_key = $1 WHERE conversation_key = $2`, [to, from]);
      }
    });
  }

  async delete(id: string): Promise<void> {
    if ((await this.#db.run("DELETE FROM sessions WHERE id = $1", [id])) === 0) {
      throw new NotFoundError(`no session "${id}"`);
    }
  }

  pruneArchived(before: number, options: { dryRun?: boolean } = {}): Promise<Session[]> {
    return this.#db.transaction(async (sql) => {
      const doomed = (
        await sql.rows<SessionRow>(
          `SELECT ${columns} FROM sessions s WHERE s.state = 'archived' AND s.archived_at < $1
           ORDER BY s.archived_at FOR UPDATE`,
          [at(before)],
        )
      ).map(toSession);
      if (!options.dryRun && doomed.length > 0) {
        const ids = doomed.map((session) => session.id);
        // Usage, outbox and run rows reference sessions with ON DELETE SET NULL: they stay, unlinked.
        // Memories keep their source as plain values, so they are unlinked here.
        await sql.run(
          "UPDATE memories SET source_session_id = NULL, source_message_id = NULL WHERE source_session_id = ANY($1)",
          [ids],
        );
        await sql.run("DELETE FROM sessions WHERE id = ANY($1)", [ids]);
      }
      return doomed;
    });
  }

  /**
   * Ranked full-text search: the best message of each session (ts_rank over the GIN-indexed
   * vector, negated so that lower is better, as with SQLite's bm25), with a ts_headline snippet.
   */
  async search(text: string, options: SessionSearchOptions = {}): Promise<SearchHit[]> {
    const query = toTsQuery(text, options.words);
    if (!query) return [];
    const states = options.includeArchived === false ? ["active", "inactive"] : ["active", "inactive", "archived"];
    const rows = await this.#db.rows<SessionRow & { message_id: number; kind: string; snippet: string; rank: number }>(
      `WITH q AS (SELECT to_tsquery('${SEARCH_CONFIG}', $1) AS query),
       hits AS (
         SELECT m.session_id, m.id AS message_id, m.kind, m.content, -ts_rank(m.search, q.query) AS rank
         FROM messages m, q
         WHERE m.search @@ q.query AND m.created_at >= $2 AND m.created_at < $3
       ), best AS (
         SELECT *, ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY rank, message_id DESC) AS n FROM hits
       )
       SELECT ${columns}, best.message_id, best.kind, best.rank,
         ts_headline('${SEARCH_CONFIG}', best.content, q.query,
           'StartSel=[, StopSel=], MaxWords=12, MinWords=4, ShortWord=0, MaxFragments=1, FragmentDelimiter=…')
           AS snippet
       FROM best JOIN sessions s ON s.id = best.session_id, q
       WHERE best.n = 1 AND s.state = ANY($4::text[])
         AND ($5::text IS NULL OR s.channel = $5) AND ($6::text IS NULL OR s.expert = $6)
       ORDER BY best.rank, s.updated_at DESC
       LIMIT $7`,
      [
        query,
        at(options.since ?? 0),
        at(options.until ?? Number.MAX_SAFE_INTEGER),
        states,
        options.channel ?? null,
        options.expert ?? null,
        options.limit ?? 20,
      ],
    );
    return rows.map((row) => ({
      session: toSession(row),
      messageId: row.message_id,
      kind: row.kind as SearchHit["kind"],
      snippet: row.snippet,
      rank: row.rank,
    }));
  }

  #update(id: string, set: string, params: unknown[]): Promise<Session> {
    return this.#updateIn(this.#db, id, set, params);
  }

  async #updateIn(sql: Sql, id: string, set: string, params: unknown[]): Promise<Session> {
    const row = await sql.one<SessionRow>(`UPDATE sessions s SET ${set} WHERE s.id = $1 RETURNING ${columns}`, [
      id,
      ...params,
    ]);
    if (!row) throw new NotFoundError(`no session "${id}"`);
    return toSession(row);
  }
}
