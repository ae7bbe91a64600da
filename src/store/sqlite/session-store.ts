import type { QueueMode } from "../../config/file-schema.js";
import { NotFoundError, StoreError } from "../../errors.js";
import { type Clock, shortId } from "../../ids.js";
import type { SessionRepository } from "../store.js";
import type {
  NewSession,
  SearchHit,
  Session,
  SessionListFilter,
  SessionSearchOptions,
  SessionSharing,
} from "../types.js";
import { type Db, statementCache } from "./database.js";
import { type SessionRow, toSession } from "./rows.js";

export class SqliteSessionStore implements SessionRepository {
  readonly #db: Db;
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;
  readonly #byId;
  readonly #byPrefix;
  readonly #current;
  readonly #insert;
  readonly #setCurrent;
  readonly #deactivate;

  constructor(db: Db, now: Clock) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
    this.#byId = this.#sql<[string], SessionRow>("SELECT * FROM sessions WHERE id = ?");
    this.#byPrefix = this.#sql<[string, string], SessionRow>(
      "SELECT * FROM sessions WHERE id >= ? AND id < ? || char(1114111) ORDER BY id LIMIT 2",
    );
    this.#current = this.#sql<[string], SessionRow>(
      "SELECT s.* FROM conversations c JOIN sessions s ON s.id = c.session_id WHERE c.conversation_key = ?",
    );
    this.#insert = this.#sql(
      `INSERT INTO sessions (id, channel, conversation_key, expert, title, owner, state, origin, mode, created_at, updated_at)
       VALUES (@id, @channel, @conversationKey, @expert, @title, @owner, 'active', @origin, @mode, @now, @now)`,
    );
    this.#setCurrent = this.#sql(
      `INSERT INTO conversations (conversation_key, channel, session_id) VALUES (?, ?, ?)
       ON CONFLICT (conversation_key) DO UPDATE SET session_id = excluded.session_id`,
    );
    this.#deactivate = this.#sql(
      "UPDATE sessions SET state = 'inactive', updated_at = ? WHERE id = ? AND state = 'active'",
    );
  }

  /** Synchronous core of {@link create}, for callers already inside a transaction. */
  createSync(input: NewSession): Session {
    const now = this.#now();
    for (let attempt = 0; ; attempt++) {
      const id = shortId("s", attempt < 5 ? 6 : 10);
      const conversationKey =
        typeof input.conversationKey === "function" ? input.conversationKey(id) : input.conversationKey;
      const previous = input.detached ? undefined : this.#current.get(conversationKey);
      if (previous) this.#deactivate.run(now, previous.id);
      try {
        this.#insert.run({
          id,
          channel: input.channel,
          conversationKey,
          expert: input.expert,
          title: input.title ?? null,
          owner: input.owner ?? null,
          origin: input.origin,
          mode: input.mode ?? null,
          now,
        });
      } catch (error) {
        if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY" && attempt < 10) continue;
        throw error;
      }
      if (!input.detached) this.#setCurrent.run(conversationKey, input.channel, id);
      return this.#mustGet(id);
    }
  }

  async create(input: NewSession): Promise<Session> {
    return this.#db.transaction(() => this.createSync(input)).immediate();
  }

  async get(id: string): Promise<Session | undefined> {
    return this.getSync(id);
  }

  getSync(id: string): Session | undefined {
    const row = this.#byId.get(id);
    return row ? toSession(row) : undefined;
  }

  async resolve(idOrPrefix: string): Promise<Session> {
    const wanted = idOrPrefix.trim();
    const exact = this.#byId.get(wanted);
    if (exact) return toSession(exact);
    if (wanted.length < 2) throw new NotFoundError(`no session "${wanted}"`);
    const rows = this.#byPrefix.all(wanted, wanted);
    const [first, second] = rows;
    if (!first) throw new NotFoundError(`no session "${wanted}"`);
    if (second) throw new NotFoundError(`session prefix "${wanted}" is ambiguous (${first.id}, ${second.id}, …)`);
    return toSession(first);
  }

  async current(conversationKey: string): Promise<Session | undefined> {
    const row = this.#current.get(conversationKey);
    return row ? toSession(row) : undefined;
  }

  async list(filter: SessionListFilter): Promise<Session[]> {
    const where = [`state IN (${filter.states.map(() => "?").join(", ")})`];
    const params: (string | number)[] = [...filter.states];
    if (filter.channel) {
      where.push("channel = ?");
      params.push(filter.channel);
    }
    if (filter.conversationKey) {
      where.push("conversation_key = ?");
      params.push(filter.conversationKey);
    }
    for (const [column, value] of [
      ["origin", filter.origin],
      ["expert", filter.expert],
      ["owner", filter.owner],
    ] as const) {
      if (!value) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    params.push(filter.limit ?? -1);
    const rows = this.#sql<typeof params, SessionRow>(
      `SELECT * FROM sessions WHERE ${where.join(" AND ")} ORDER BY updated_at DESC, rowid DESC LIMIT ?`,
    ).all(...params);
    return rows.map(toSession);
  }

  async rename(id: string, title: string): Promise<Session> {
    return this.#update(id, "UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?", [title, this.#now(), id]);
  }

  async setExpert(id: string, expert: string): Promise<Session> {
    return this.#update(id, "UPDATE sessions SET expert = ?, updated_at = ? WHERE id = ?", [expert, this.#now(), id]);
  }

  async setMode(id: string, mode: QueueMode | null): Promise<Session> {
    return this.#update(id, "UPDATE sessions SET mode = ?, updated_at = ? WHERE id = ?", [mode, this.#now(), id]);
  }

  async setSharing(id: string, sharing: SessionSharing | null): Promise<Session> {
    return this.#update(id, "UPDATE sessions SET sharing = ?, updated_at = ? WHERE id = ?", [sharing, this.#now(), id]);
  }

  async archive(id: string): Promise<Session> {
    const now = this.#now();
    return this.#update(id, "UPDATE sessions SET state = 'archived', archived_at = ?, updated_at = ? WHERE id = ?", [
      now,
      now,
      id,
    ]);
  }

  async unarchive(id: string): Promise<Session> {
    return this.#update(
      id,
      `UPDATE sessions SET archived_at = NULL, updated_at = ?,
         state = CASE WHEN EXISTS (SELECT 1 FROM conversations WHERE session_id = ?) THEN 'active' ELSE 'inactive' END
       WHERE id = ?`,
      [this.#now(), id, id],
    );
  }

  /** Makes a session its conversation's current one (reopening it); the previous current one becomes inactive. */
  async makeCurrent(id: string): Promise<Session> {
    const now = this.#now();
    return this.#db
      .transaction(() => {
        const session = this.#mustGet(id);
        const previous = this.#current.get(session.conversationKey);
        if (previous && previous.id !== id) this.#deactivate.run(now, previous.id);
        this.#setCurrent.run(session.conversationKey, session.channel, id);
        return this.#update(
          id,
          "UPDATE sessions SET state = 'active', archived_at = NULL, updated_at = ? WHERE id = ?",
          [now, id],
        );
      })
      .immediate();
  }

  async moveConversation(from: string, to: string): Promise<void> {
    if (from === to) return;
    this.#db
      .transaction(() => {
        const moving = this.#current.get(from);
        if (!moving) return;
        const there = this.#current.get(to);
        if (there) this.#deactivate.run(this.#now(), there.id);
        this.#sql("DELETE FROM conversations WHERE conversation_key = ?").run(to);
        for (const table of ["conversations", "sessions", "inbound", "outbox", "platform_messages"]) {
          this.#sql(`UPDATE ${table} SET conversation_key = ? WHERE conversation_key = ?`).run(to, from);
        }
      })
      .immediate();
  }

  async delete(id: string): Promise<void> {
    const result = this.#sql("DELETE FROM sessions WHERE id = ?").run(id);
    if (result.changes === 0) throw new NotFoundError(`no session "${id}"`);
  }

  async pruneArchived(before: number, options: { dryRun?: boolean } = {}): Promise<Session[]> {
    return this.#db
      .transaction(() => {
        const doomed = this.#sql<[number], SessionRow>(
          "SELECT * FROM sessions WHERE state = 'archived' AND archived_at < ? ORDER BY archived_at",
        )
          .all(before)
          .map(toSession);
        if (!options.dryRun) {
          // Usage, outbox and run rows reference sessions with ON DELETE SET NULL: they stay, unlinked.
          // Memories keep their source as plain values, so they are unlinked here.
          this.#sql(
            `UPDATE memories SET source_session_id = NULL, source_message_id = NULL WHERE source_session_id IN
               (SELECT id FROM sessions WHERE state = 'archived' AND archived_at < ?)`,
          ).run(before);
          this.#sql("DELETE FROM sessions WHERE state = 'archived' AND archived_at < ?").run(before);
        }
        return doomed;
      })
      .immediate();
  }

  async search(text: string, options: SessionSearchOptions = {}): Promise<SearchHit[]> {
    const query = toFtsQuery(text, options.words);
    if (!query) return [];
    const states = options.includeArchived === false ? "('active', 'inactive')" : "('active', 'inactive', 'archived')";
    const rows = this.#sql<object, SessionRow & { message_id: number; kind: string; snippet: string; rank: number }>(
      `WITH hits AS (
           SELECT m.session_id, m.id AS message_id, m.kind,
                  snippet(messages_fts, 0, '[', ']', '…', 12) AS snippet, bm25(messages_fts) AS rank
           FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
           WHERE messages_fts MATCH @query AND m.created_at >= @since AND m.created_at < @until
         ), best AS (
           SELECT *, ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY rank, message_id DESC) AS n FROM hits
         )
         SELECT s.*, best.message_id, best.kind, best.snippet, best.rank
         FROM best JOIN sessions s ON s.id = best.session_id
         WHERE best.n = 1 AND s.state IN ${states}
           AND (@channel IS NULL OR s.channel = @channel) AND (@expert IS NULL OR s.expert = @expert)
         ORDER BY best.rank, s.updated_at DESC
         LIMIT @limit`,
    ).all({
      query,
      since: options.since ?? 0,
      until: options.until ?? Number.MAX_SAFE_INTEGER,
      channel: options.channel ?? null,
      expert: options.expert ?? null,
      limit: options.limit ?? 20,
    });
    return rows.map((row) => ({
      session: toSession(row),
      messageId: row.message_id,
      kind: row.kind as SearchHit["kind"],
      snippet: row.snippet,
      rank: row.rank,
    }));
  }

  #update(id: string, sql: string, params: (string | number | null)[]): Session {
    const result = this.#sql(sql).run(...params);
    if (result.changes === 0) throw new NotFoundError(`no session "${id}"`);
    return this.#mustGet(id);
  }

  #mustGet(id: string): Session {
    const row = this.#byId.get(id);
    if (!row) throw new StoreError("STORE_INCONSISTENT", `session ${id} vanished`);
    return toSession(row);
  }
}

/**
 * Turns free text into a safe FTS5 query: every word becomes a quoted prefix
 * term, so operators and quotes typed by a user cannot break the syntax.
 * `all` needs every word; `any` needs one of them (bm25 ranks those with more first).
 */
export function toFtsQuery(text: string, words: "all" | "any" = "all"): string {
  const found = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return found
    .slice(0, 16)
    .map((word) => `"${word}"*`)
    .join(words === "all" ? " " : " OR ");
}
