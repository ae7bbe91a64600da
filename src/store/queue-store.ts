import type { Clock } from "../ids.js";
import { type Db, statementCache } from "./database.js";
import { type InboundDbRow, type TurnDbRow, toInbound, toTurn } from "./inbound-rows.js";
import type { SqliteOutboxStore } from "./outbox-store.js";
import { type SessionRow, toSession } from "./rows.js";
import type { SqliteSessionStore } from "./session-store.js";
import type { SqliteTranscriptStore } from "./transcript-store.js";
import type {
  AcceptOutcome,
  ClaimedTurn,
  InboundRow,
  NewInbound,
  NewOutbox,
  NewSession,
  Session,
  WorkScope,
} from "./types.js";
import { scopeParams, scopeSql } from "./work-scope.js";

class Duplicate extends Error {}

export interface AcceptDefaults {
  /** The session a first message creates. */
  session: Omit<NewSession, "conversationKey" | "channel">;
  /** Most messages that may wait in one session. */
  cap: number;
  /** What the sender is told when their message waits, or is over the cap (by the session's mode). */
  notices: (session: Session) => { queued: string; overflow: string };
}

/**
 * The durable turn queue: accepted messages wait here as inbound rows, and
 * turns are claimed from them with a process id and a lease.
 */
export class SqliteQueueStore {
  readonly #db: Db;
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;
  readonly #sessions: SqliteSessionStore;
  readonly #transcript: SqliteTranscriptStore;
  readonly #outbox: SqliteOutboxStore;

  constructor(
    db: Db,
    now: Clock,
    parts: { sessions: SqliteSessionStore; transcript: SqliteTranscriptStore; outbox: SqliteOutboxStore },
  ) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
    this.#sessions = parts.sessions;
    this.#transcript = parts.transcript;
    this.#outbox = parts.outbox;
  }

  /**
   * Commits an inbound message, and on first contact its session, in one
   * transaction. A delivery key seen before makes it a duplicate and nothing is
   * written. A reply to one of the bot's messages goes to the session that sent it.
   */
  async accept(message: NewInbound, defaults: AcceptDefaults): Promise<AcceptOutcome> {
    try {
      return this.#db.transaction(() => this.#acceptSync(message, defaults)).immediate();
    } catch (error) {
      if (error instanceof Duplicate) return { status: "duplicate" };
      throw error;
    }
  }

  #acceptSync(message: NewInbound, defaults: AcceptDefaults): AcceptOutcome {
    const now = this.#now();
    this.#addKeys(message.deliveryKeys);
    let session = this.#route(message, defaults);
    if (session.title === null && message.text.trim() !== "") {
      // A session made before its first message (a terminal chat, `new`) is named after that message.
      const title = message.text.replace(/\s+/g, " ").trim().slice(0, 60);
      this.#sql("UPDATE sessions SET title = ? WHERE id = ?").run(title, session.id);
      session = { ...session, title };
    }
    if (message.expert && message.expert !== session.expert) {
      this.#sql("UPDATE sessions SET expert = ?, updated_at = ? WHERE id = ?").run(message.expert, now, session.id);
      session = { ...session, expert: message.expert };
    }
    const counts = this.#sql<[{ id: string }], { queued: number; running: number; lastDropped: number }>(
      `SELECT (SELECT COUNT(*) FROM inbound WHERE session_id = @id AND state = 'queued') AS queued,
              (SELECT COUNT(*) FROM turns WHERE session_id = @id AND state = 'running') AS running,
              COALESCE((SELECT state = 'dropped' FROM inbound WHERE session_id = @id ORDER BY id DESC LIMIT 1), 0)
                AS lastDropped`,
    ).get({ id: session.id }) ?? { queued: 0, running: 0, lastDropped: 0 };
    const dropped = counts.queued >= defaults.cap;
    const inboundId = this.insertInboundSync(session, message, dropped ? "dropped" : "queued");
    this.#sql("UPDATE delivery_keys SET inbound_id = ? WHERE key IN (SELECT value FROM json_each(?))").run(
      inboundId,
      JSON.stringify(message.deliveryKeys),
    );
    const queued = counts.running > 0 || counts.queued > 0;
    // One notice per burst: the first message that waits behind a running turn, and the first over the cap.
    let notice: "queued" | "overflow" | null = null;
    if (dropped && counts.lastDropped === 0) notice = "overflow";
    else if (!dropped && counts.running > 0 && counts.queued === 0) notice = "queued";
    if (notice) {
      this.#outbox.insertSync({
        sessionId: session.id,
        channel: message.channel,
        conversationKey: session.conversationKey,
        kind: "notice",
        text: defaults.notices(session)[notice],
        replyToMessageId: message.platformMessageId,
      });
    }
    return { status: "accepted", inboundId, session, queued, notice, dropped };
  }

  /** Stores one inbound row of a session (callers hold the transaction and have checked delivery keys). */
  insertInboundSync(session: Session, message: NewInbound, state: "queued" | "dropped" = "queued"): number {
    const now = this.#now();
    const result = this.#sql(
      `INSERT INTO inbound (session_id, channel, conversation_key, sender_id, sender_name, text, attachments,
           platform_message_id, reply_to_message_id, addressed, state, received_at, answered_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    );
    return Number(result.lastInsertRowid);
  }

  #route(message: NewInbound, defaults: AcceptDefaults): Session {
    let session: Session | undefined;
    if (message.replyToMessageId) {
      const row = this.#sql<[string, string], SessionRow>(
        `SELECT s.* FROM platform_messages p JOIN sessions s ON s.id = p.session_id
           WHERE p.channel = ? AND p.platform_message_id = ?`,
      ).get(message.channel, message.replyToMessageId);
      if (row) session = toSession(row);
    }
    const current = this.#currentRow(message.conversationKey);
    session ??= current;
    if (!session) {
      return this.#sessions.createSync({
        ...defaults.session,
        channel: message.channel,
        conversationKey: message.conversationKey,
      });
    }
    if (session.state !== "active" || current?.id !== session.id) {
      // A message to an archived or older session reopens it as the conversation's current one.
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
      session = { ...session, state: "active", archivedAt: null };
    }
    return session;
  }

  #currentRow(conversationKey: string): Session | undefined {
    const row = this.#sql<[string], SessionRow>(
      "SELECT s.* FROM conversations c JOIN sessions s ON s.id = c.session_id WHERE c.conversation_key = ?",
    ).get(conversationKey);
    return row ? toSession(row) : undefined;
  }

  /** Sessions of these channels with queued messages and no running turn, oldest message first. */
  async ready(scope: WorkScope, limit: number): Promise<string[]> {
    if (scope.channels.length === 0 || limit <= 0) return [];
    const rows = this.#sql<unknown[], { session_id: string }>(
      `SELECT i.session_id FROM inbound i
       WHERE i.state = 'queued' AND ${scopeSql(scope, "i")}
         AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.session_id = i.session_id AND t.state = 'running')
       GROUP BY i.session_id ORDER BY MIN(i.id) LIMIT ?`,
    ).all(...scopeParams(scope), limit);
    return rows.map((row) => row.session_id);
  }

  /**
   * Opens a turn for a session that has queued messages and no running turn:
   * takes all of them (`collect`) or the oldest (`followup`), copies them into
   * the transcript and leases the turn to `owner`. Undefined if another
   * process got there first.
   */
  async claim(
    sessionId: string,
    options: { owner: string; leaseMs: number; take: "all" | "one"; expert: string; model: string },
  ): Promise<ClaimedTurn | undefined> {
    const now = this.#now();
    return this.#db
      .transaction((): ClaimedTurn | undefined => {
        const running = this.#sql("SELECT 1 FROM turns WHERE session_id = ? AND state = 'running'").get(sessionId);
        if (running) return undefined;
        const inbound = this.#sql<[string, number], InboundDbRow>(
          "SELECT * FROM inbound WHERE session_id = ? AND state = 'queued' ORDER BY id LIMIT ?",
        )
          .all(sessionId, options.take === "all" ? -1 : 1)
          .map(toInbound);
        if (inbound.length === 0) return undefined;
        const turnRow = this.#sql<[string, string, string, string, number, number], TurnDbRow>(
          `INSERT INTO turns (session_id, expert, model, lease_owner, lease_until, started_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        ).get(sessionId, options.expert, options.model, options.owner, now + options.leaseMs, now) as TurnDbRow;
        this.#takeIntoTurn(sessionId, turnRow.id, inbound, options.expert);
        const session = this.#sessions.getSync(sessionId);
        if (!session) return undefined;
        return {
          turn: toTurn(turnRow),
          session,
          inbound: inbound.map((row) => ({ ...row, state: "running", turnId: turnRow.id })),
          resumed: false,
          previewMessageId: null,
          previewText: null,
        };
      })
      .immediate();
  }

  /** Marks messages as taken by a turn and copies those not yet copied into the transcript. */
  #takeIntoTurn(sessionId: string, turnId: number, rows: readonly InboundRow[], expert: string): void {
    const take = this.#sql("UPDATE inbound SET state = 'running', turn_id = ? WHERE id = ?");
    const copied = this.#sql("UPDATE inbound SET transcript_id = ? WHERE id = ?");
    for (const row of rows) {
      take.run(turnId, row.id);
      if (row.transcriptId !== null) continue;
      const [entry] = this.#transcript.appendSync(sessionId, [
        {
          kind: "user",
          turnId,
          content: row.text,
          senderId: row.senderId,
          senderName: row.senderName,
          platformMessageId: row.platformMessageId,
          expert,
          attachments: row.attachments,
        },
      ]);
      if (entry) copied.run(entry.id, row.id);
    }
  }

  /**
   * Steer mode: messages queued while a turn runs join it before its next
   * model call. Returns them (empty when none wait or the turn has ended).
   */
  async joinTurn(sessionId: string, turnId: number, expert: string): Promise<InboundRow[]> {
    return this.#db
      .transaction((): InboundRow[] => {
        const running = this.#sql("SELECT 1 FROM turns WHERE id = ? AND state = 'running'").get(turnId);
        if (!running) return [];
        const rows = this.#sql<[string], InboundDbRow>(
          "SELECT * FROM inbound WHERE session_id = ? AND state = 'queued' ORDER BY id",
        )
          .all(sessionId)
          .map(toInbound);
        this.#takeIntoTurn(sessionId, turnId, rows, expert);
        return rows;
      })
      .immediate();
  }

  /** Asks whichever process runs the session's turn to stop or interrupt it. */
  async requestCancel(sessionId: string, kind: "stop" | "interrupt"): Promise<number | undefined> {
    const row = this.#sql<[string, string], { id: number }>(
      // A stop is never turned into an interrupt by a message that arrives after it.
      "UPDATE turns SET cancel = CASE WHEN cancel = 'stop' THEN 'stop' ELSE ? END WHERE session_id = ? AND state = 'running' RETURNING id",
    ).get(kind, sessionId);
    return row?.id;
  }

  /** This process's running turns that someone asked to cancel. */
  async cancelRequests(owner: string): Promise<{ turnId: number; kind: "stop" | "interrupt" }[]> {
    return this.#sql<[string], { id: number; cancel: "stop" | "interrupt" }>(
      "SELECT id, cancel FROM turns WHERE lease_owner = ? AND state = 'running' AND cancel IS NOT NULL",
    )
      .all(owner)
      .map((row) => ({ turnId: row.id, kind: row.cancel }));
  }

  /**
   * The conversations a person (`channel:id`) has written in, as far as the
   * stored messages tell: what makes them a known member there (visibility).
   */
  async conversationsOf(principal: string): Promise<string[]> {
    const colon = principal.indexOf(":");
    if (colon < 0) return [];
    return this.#sql<[string, string], { key: string }>(
      "SELECT DISTINCT conversation_key AS key FROM inbound WHERE channel = ? AND sender_id = ?",
    )
      .all(principal.slice(0, colon), principal.slice(colon + 1))
      .map((row) => row.key);
  }

  /** Whether a turn of the session is running (in any process). */
  async isRunning(sessionId: string): Promise<boolean> {
    return this.#sql("SELECT 1 FROM turns WHERE session_id = ? AND state = 'running'").get(sessionId) !== undefined;
  }

  /** Messages waiting in a session, oldest first. */
  async queued(sessionId: string): Promise<InboundRow[]> {
    return this.#sql<[string], InboundDbRow>(
      "SELECT * FROM inbound WHERE session_id = ? AND state = 'queued' ORDER BY id",
    )
      .all(sessionId)
      .map(toInbound);
  }

  /** Removes a waiting message before it runs; false if it already ran or is gone. */
  async drop(sessionId: string, inboundId: number): Promise<boolean> {
    return (
      this.#sql(
        "UPDATE inbound SET state = 'dropped', answered_at = ? WHERE id = ? AND session_id = ? AND state = 'queued'",
      ).run(this.#now(), inboundId, sessionId).changes > 0
    );
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
   * A message from someone not admitted: its keys are recorded, and they are
   * told how to get admitted at most once per `everyMs`. Returns whether the
   * message was new and whether the notice went out.
   */
  async refuse(
    keys: readonly string[],
    principal: string,
    notice: NewOutbox,
    everyMs: number,
  ): Promise<"duplicate" | "notified" | "quiet"> {
    const now = this.#now();
    try {
      return this.#db
        .transaction(() => {
          this.#addKeys(keys);
          const last = this.#sql<[string], { notified_at: number }>(
            "SELECT notified_at FROM access_notices WHERE principal = ?",
          ).get(principal);
          if (last && now - last.notified_at < everyMs) return "quiet" as const;
          this.#sql(
            `INSERT INTO access_notices (principal, notified_at) VALUES (?, ?)
             ON CONFLICT (principal) DO UPDATE SET notified_at = excluded.notified_at`,
          ).run(principal, now);
          this.#outbox.insertSync(notice);
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

  /** Queue depth and the age of the oldest waiting message, for /healthz. */
  async stats(): Promise<{ depth: number; oldestReceivedAt: number | null }> {
    const row = this.#sql<[], { depth: number; oldest: number | null }>(
      "SELECT COUNT(*) AS depth, MIN(received_at) AS oldest FROM inbound WHERE state IN ('queued', 'running')",
    ).get();
    return { depth: row?.depth ?? 0, oldestReceivedAt: row?.oldest ?? null };
  }

  async inboundOfSession(sessionId: string): Promise<ReturnType<typeof toInbound>[]> {
    return this.#sql<[string], InboundDbRow>("SELECT * FROM inbound WHERE session_id = ? ORDER BY id")
      .all(sessionId)
      .map(toInbound);
  }

  /** Forgets delivery keys older than `maxAgeMs` (at least 7 days are kept). */
  async pruneDeliveryKeys(maxAgeMs: number): Promise<number> {
    const age = Math.max(maxAgeMs, 7 * 24 * 3600 * 1000);
    return this.#sql("DELETE FROM delivery_keys WHERE created_at < ?").run(this.#now() - age).changes;
  }
}
