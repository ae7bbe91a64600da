import type { Clock } from "../../ids.js";
import type { LeaseRepository } from "../lease-repository.js";
import type { ClaimedTurn, WorkScope } from "../types.js";
import { type Db, statementCache } from "./database.js";
import { type InboundDbRow, type TurnDbRow, toInbound, toTurn } from "./rows.js";
import type { SqliteSessionStore } from "./session-store.js";
import { scopeParams, scopeSql } from "./work-scope.js";

/**
 * Who is working on what: each running turn and each outbox row being sent carries its process's id
 * and a lease that the process renews while it lives. A lease that ran out means the process died,
 * and another takes the work over.
 */
export class SqliteLeaseStore implements LeaseRepository {
  readonly #db: Db;
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;
  readonly #sessions: SqliteSessionStore;

  constructor(db: Db, now: Clock, sessions: SqliteSessionStore) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
    this.#sessions = sessions;
  }

  /** Running turns of these channels whose lease ran out: their process died. */
  async abandoned(scope: WorkScope): Promise<number[]> {
    if (scope.channels.length === 0) return [];
    const rows = this.#sql<unknown[], { id: number }>(
      `SELECT t.id FROM turns t JOIN sessions s ON s.id = t.session_id
       WHERE t.state = 'running' AND t.lease_until IS NOT NULL AND t.lease_until < ? AND ${scopeSql(scope, "s")}
       ORDER BY t.id`,
    ).all(this.#now(), ...scopeParams(scope));
    return rows.map((row) => row.id);
  }

  /** Takes over an abandoned turn, counting the attempt; undefined if another process took it. */
  async reclaim(turnId: number, owner: string, leaseMs: number): Promise<ClaimedTurn | undefined> {
    const now = this.#now();
    return this.#db
      .transaction((): ClaimedTurn | undefined => {
        const row = this.#sql<[string, number, number, number], TurnDbRow>(
          `UPDATE turns SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
             WHERE id = ? AND state = 'running' AND lease_until < ? RETURNING *`,
        ).get(owner, now + leaseMs, turnId, now);
        if (!row) return undefined;
        const session = this.#sessions.getSync(row.session_id);
        if (!session) return undefined;
        const inbound = this.#sql<[number], InboundDbRow>("SELECT * FROM inbound WHERE turn_id = ? ORDER BY id")
          .all(turnId)
          .map(toInbound);
        return {
          turn: toTurn(row),
          session,
          inbound,
          resumed: true,
          previewMessageId: row.preview_message_id,
          previewText: row.preview_text,
          streamMessageId: row.stream_message_id,
        };
      })
      .immediate();
  }

  /** Keeps this process's turns and deliveries leased while it lives. */
  async renewLeases(owner: string, leaseMs: number): Promise<void> {
    const until = this.#now() + leaseMs;
    this.#db.transaction(() => {
      this.#sql("UPDATE turns SET lease_until = ? WHERE lease_owner = ? AND state = 'running'").run(until, owner);
      this.#sql("UPDATE outbox SET lease_until = ? WHERE lease_owner = ? AND state = 'sending'").run(until, owner);
    })();
  }

  /** Ends the leases of owners known to be gone (or of this process on shutdown), so others resume at once. */
  async expireLeases(owners: readonly string[]): Promise<void> {
    if (owners.length === 0) return;
    const list = JSON.stringify(owners);
    this.#db.transaction(() => {
      this.#sql(
        "UPDATE turns SET lease_until = 0 WHERE state = 'running' AND lease_owner IN (SELECT value FROM json_each(?))",
      ).run(list);
      this.#sql(
        "UPDATE outbox SET lease_until = 0 WHERE state = 'sending' AND lease_owner IN (SELECT value FROM json_each(?))",
      ).run(list);
    })();
  }

  /** Every process that holds a lease now. */
  async leaseOwners(): Promise<string[]> {
    return this.#sql<[], { owner: string }>(
      `SELECT lease_owner AS owner FROM turns WHERE state = 'running' AND lease_owner IS NOT NULL
         UNION SELECT lease_owner FROM outbox WHERE state = 'sending' AND lease_owner IS NOT NULL`,
    )
      .all()
      .map((row) => row.owner);
  }

  /**
   * Gives a running turn back to the queue: claimable at once, or after `afterMs`. With `refund`
   * the attempt does not count towards "abandoned too often" (the database refused a write; the
   * turn itself did nothing wrong).
   */
  async release(turnId: number, options: { afterMs?: number; refund?: boolean } = {}): Promise<void> {
    const until = options.afterMs === undefined ? 0 : this.#now() + options.afterMs;
    this.#sql(
      "UPDATE turns SET lease_until = ?, attempts = MAX(attempts - ?, 0) WHERE id = ? AND state = 'running'",
    ).run(until, options.refund ? 1 : 0, turnId);
  }

  async setStream(turnId: number, messageId: string | null): Promise<void> {
    this.#sql("UPDATE turns SET stream_message_id = ? WHERE id = ?").run(messageId, turnId);
  }

  async setPreview(turnId: number, messageId: string | null, text: string | null): Promise<void> {
    this.#sql("UPDATE turns SET preview_message_id = ?, preview_text = ? WHERE id = ?").run(messageId, text, turnId);
  }
}
