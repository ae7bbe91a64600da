import type { Clock } from "../../ids.js";
import type { AcceptPolicy, QueueRepository, RefusalNotice } from "../queue-repository.js";
import type {
  AcceptOutcome,
  ClaimedTurn,
  InboundCompletion,
  InboundRow,
  NewInbound,
  NewOutbox,
  WorkScope,
} from "../types.js";
import type { PgIntakeStore } from "./intake-store.js";
import { at, type PgDatabase, type Sql } from "./pg-database.js";
import { type InboundDbRow, type TurnDbRow, toInbound, toTurn } from "./pg-rows.js";
import { lockSession } from "./pg-sessions.js";
import { appendEntries } from "./transcript-store.js";
import { scopeFilter } from "./work-scope.js";

/**
 * The durable turn queue: accepted messages wait here as inbound rows, and turns are claimed
 * from them with a process id and a lease. One turn at a time per session holds across
 * processes because every claim locks the session's row before it looks for a running turn.
 */
export class PgQueueStore implements QueueRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;
  readonly #intake: PgIntakeStore;

  constructor(db: PgDatabase, now: Clock, intake: PgIntakeStore) {
    this.#db = db;
    this.#now = now;
    this.#intake = intake;
  }

  accept(message: NewInbound, policy: AcceptPolicy): Promise<AcceptOutcome> {
    return this.#intake.accept(message, policy);
  }

  async ready(scope: WorkScope, limit: number): Promise<string[]> {
    if (scope.channels.length === 0 || limit <= 0) return [];
    const { sql: inScope, params } = scopeFilter(scope, "i", 2);
    const rows = await this.#db.rows<{ session_id: string }>(
      `SELECT i.session_id FROM inbound i
       WHERE i.state = 'queued' AND ${inScope}
         AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.session_id = i.session_id AND t.state = 'running')
       GROUP BY i.session_id ORDER BY MIN(i.id) LIMIT $1`,
      [limit, ...params],
    );
    return rows.map((row) => row.session_id);
  }

  claim(
    sessionId: string,
    options: { owner: string; leaseMs: number; take: "all" | "one"; expert: string; model: string },
  ): Promise<ClaimedTurn | undefined> {
    return this.#db.transaction(async (sql): Promise<ClaimedTurn | undefined> => {
      const session = await lockSession(sql, sessionId);
      if (!session) return undefined;
      // Read after the lock: a turn ended by another process while this one waited for it ended earlier.
      const now = this.#now();
      if (await runningTurn(sql, sessionId)) return undefined;
      const inbound = (
        await sql.rows<InboundDbRow>(
          "SELECT * FROM inbound WHERE session_id = $1 AND state = 'queued' ORDER BY id LIMIT $2",
          [sessionId, options.take === "all" ? null : 1],
        )
      ).map(toInbound);
      if (inbound.length === 0) return undefined;
      const turnRow = await sql.one<TurnDbRow>(
        `INSERT INTO turns (session_id, expert, model, lease_owner, lease_until, started_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [sessionId, options.expert, options.model, options.owner, at(now + options.leaseMs), at(now)],
      );
      if (!turnRow) return undefined;
      await takeIntoTurn(sql, now, sessionId, turnRow.id, inbound, options.expert);
      return {
        turn: toTurn(turnRow),
        session,
        inbound: inbound.map((row) => ({ ...row, state: "running", turnId: turnRow.id })),
        resumed: false,
        previewMessageId: null,
        previewText: null,
        streamMessageId: null,
      };
    });
  }

  complete(inboundId: number, completion: InboundCompletion): Promise<void> {
    return this.#db.transaction(async (sql) => {
      const row = await sql.one<{ transcript_id: number | null }>(
        `UPDATE inbound SET text = $1, sender_name = $2, attachments = $3, deferred = NULL WHERE id = $4
         RETURNING transcript_id`,
        [completion.text, completion.senderName, completion.attachments, inboundId],
      );
      // Not yet copied into a turn: the copy, when it comes, takes the completed row.
      if (!row || row.transcript_id === null) return;
      await sql.run("UPDATE messages SET content = $1, sender_name = $2, attachments = $3 WHERE id = $4", [
        completion.text,
        completion.senderName,
        completion.attachments,
        row.transcript_id,
      ]);
    });
  }

  joinTurn(sessionId: string, turnId: number, expert: string): Promise<InboundRow[]> {
    return this.#db.transaction(async (sql): Promise<InboundRow[]> => {
      await lockSession(sql, sessionId);
      const now = this.#now();
      const running = await sql.one("SELECT 1 FROM turns WHERE id = $1 AND state = 'running'", [turnId]);
      if (!running) return [];
      const rows = (
        await sql.rows<InboundDbRow>("SELECT * FROM inbound WHERE session_id = $1 AND state = 'queued' ORDER BY id", [
          sessionId,
        ])
      ).map(toInbound);
      await takeIntoTurn(sql, now, sessionId, turnId, rows, expert);
      return rows;
    });
  }

  async requestCancel(sessionId: string, kind: "stop" | "interrupt"): Promise<number | undefined> {
    // A stop is never turned into an interrupt by a message that arrives after it.
    const row = await this.#db.one<{ id: number }>(
      `UPDATE turns SET cancel = CASE WHEN cancel = 'stop' THEN 'stop' ELSE $1 END
       WHERE session_id = $2 AND state = 'running' RETURNING id`,
      [kind, sessionId],
    );
    return row?.id;
  }

  async cancelRequests(owner: string): Promise<{ turnId: number; kind: "stop" | "interrupt" }[]> {
    const rows = await this.#db.rows<{ id: number; cancel: "stop" | "interrupt" }>(
      "SELECT id, cancel FROM turns WHERE lease_owner = $1 AND state = 'running' AND cancel IS NOT NULL",
      [owner],
    );
    return rows.map((row) => ({ turnId: row.id, kind: row.cancel }));
  }

  /** Who has written where, as far as the stored messages tell: what makes them a known member there. */
  async conversationsOf(principal: string): Promise<string[]> {
    const colon = principal.indexOf(":");
    if (colon < 0) return [];
    const rows = await this.#db.rows<{ key: string }>(
      "SELECT DISTINCT conversation_key AS key FROM inbound WHERE channel = $1 AND sender_id = $2",
      [principal.slice(0, colon), principal.slice(colon + 1)],
    );
    return rows.map((row) => row.key);
  }

  async isRunning(sessionId: string): Promise<boolean> {
    return runningTurn(this.#db, sessionId);
  }

  async queued(sessionId: string): Promise<InboundRow[]> {
    const rows = await this.#db.rows<InboundDbRow>(
      "SELECT * FROM inbound WHERE session_id = $1 AND state = 'queued' ORDER BY id",
      [sessionId],
    );
    return rows.map(toInbound);
  }

  async waiting(limit: number): Promise<InboundRow[]> {
    const rows = await this.#db.rows<InboundDbRow>(
      "SELECT * FROM inbound WHERE state = 'queued' ORDER BY id LIMIT $1",
      [limit],
    );
    return rows.map(toInbound);
  }

  async drop(sessionId: string, inboundId: number): Promise<boolean> {
    const changed = await this.#db.run(
      "UPDATE inbound SET state = 'dropped', answered_at = $1 WHERE id = $2 AND session_id = $3 AND state = 'queued'",
      [at(this.#now()), inboundId, sessionId],
    );
    return changed > 0;
  }

  recordDelivery(keys: readonly string[], notice?: NewOutbox): Promise<boolean> {
    return this.#intake.recordDelivery(keys, notice);
  }

  refuse(
    keys: readonly string[],
    principal: string,
    notice: RefusalNotice,
  ): Promise<"duplicate" | "notified" | "quiet"> {
    return this.#intake.refuse(keys, principal, notice);
  }

  async stats(): Promise<{ depth: number; oldestReceivedAt: number | null }> {
    const row = await this.#db.one<{ depth: number; oldest: number | null }>(
      "SELECT COUNT(*) AS depth, MIN(received_at) AS oldest FROM inbound WHERE state IN ('queued', 'running')",
    );
    return { depth: row?.depth ?? 0, oldestReceivedAt: row?.oldest ?? null };
  }

  async inboundOfSession(sessionId: string): Promise<InboundRow[]> {
    const rows = await this.#db.rows<InboundDbRow>("SELECT * FROM inbound WHERE session_id = $1 ORDER BY id", [
      sessionId,
    ]);
    return rows.map(toInbound);
  }

  pruneDeliveryKeys(maxAgeMs: number): Promise<number> {
    return this.#intake.pruneDeliveryKeys(maxAgeMs);
  }
}

async function runningTurn(sql: Sql, sessionId: string): Promise<boolean> {
  return (await sql.one("SELECT 1 FROM turns WHERE session_id = $1 AND state = 'running'", [sessionId])) !== undefined;
}

/** Marks messages as taken by a turn and copies those not yet copied into the transcript. */
async function takeIntoTurn(
  sql: Sql,
  now: number,
  sessionId: string,
  turnId: number,
  rows: readonly InboundRow[],
  expert: string,
): Promise<void> {
  for (const row of rows) {
    await sql.run("UPDATE inbound SET state = 'running', turn_id = $1 WHERE id = $2", [turnId, row.id]);
    if (row.transcriptId !== null) continue;
    const [entry] = await appendEntries(sql, now, sessionId, [
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
    if (entry) await sql.run("UPDATE inbound SET transcript_id = $1 WHERE id = $2", [entry.id, row.id]);
  }
}
