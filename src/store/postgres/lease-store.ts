import type { Clock } from "../../ids.js";
import type { LeaseRepository } from "../lease-repository.js";
import type { ClaimedTurn, WorkScope } from "../types.js";
import { at, type PgDatabase } from "./pg-database.js";
import { type InboundDbRow, type TurnDbRow, toInbound, toTurn } from "./pg-rows.js";
import { getSession } from "./pg-sessions.js";
import { scopeFilter } from "./work-scope.js";

/**
 * Who is working on what: each running turn and each outbox row being sent carries its process's id
 * and a lease that the process renews while it lives. A lease that ran out means the process died,
 * and another takes the work over.
 */
export class PgLeaseStore implements LeaseRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  async abandoned(scope: WorkScope): Promise<number[]> {
    if (scope.channels.length === 0) return [];
    const { sql: inScope, params } = scopeFilter(scope, "s", 2);
    const rows = await this.#db.rows<{ id: number }>(
      `SELECT t.id FROM turns t JOIN sessions s ON s.id = t.session_id
       WHERE t.state = 'running' AND t.lease_until IS NOT NULL AND t.lease_until < $1 AND ${inScope}
       ORDER BY t.id`,
      [at(this.#now()), ...params],
    );
    return rows.map((row) => row.id);
  }

  /** The UPDATE re-checks the expired lease on the locked row, so only one process takes a turn over. */
  reclaim(turnId: number, owner: string, leaseMs: number): Promise<ClaimedTurn | undefined> {
    const now = this.#now();
    return this.#db.transaction(async (sql): Promise<ClaimedTurn | undefined> => {
      const row = await sql.one<TurnDbRow>(
        `UPDATE turns SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
         WHERE id = $3 AND state = 'running' AND lease_until < $4 RETURNING *`,
        [owner, at(now + leaseMs), turnId, at(now)],
      );
      if (!row) return undefined;
      const session = await getSession(sql, row.session_id);
      if (!session) return undefined;
      const inbound = (
        await sql.rows<InboundDbRow>("SELECT * FROM inbound WHERE turn_id = $1 ORDER BY id", [turnId])
      ).map(toInbound);
      return {
        turn: toTurn(row),
        session,
        inbound,
        resumed: true,
        previewMessageId: row.preview_message_id,
        previewText: row.preview_text,
        streamMessageId: row.stream_message_id,
      };
    });
  }

  async renewLeases(owner: string, leaseMs: number): Promise<void> {
    const until = at(this.#now() + leaseMs);
    await this.#db.transaction(async (sql) => {
      await sql.run("UPDATE turns SET lease_until = $1 WHERE lease_owner = $2 AND state = 'running'", [until, owner]);
      await sql.run("UPDATE outbox SET lease_until = $1 WHERE lease_owner = $2 AND state = 'sending'", [until, owner]);
    });
  }

  async expireLeases(owners: readonly string[]): Promise<void> {
    if (owners.length === 0) return;
    const list = [...owners];
    await this.#db.transaction(async (sql) => {
      await sql.run("UPDATE turns SET lease_until = $1 WHERE state = 'running' AND lease_owner = ANY($2::text[])", [
        at(0),
        list,
      ]);
      await sql.run("UPDATE outbox SET lease_until = $1 WHERE state = 'sending' AND lease_owner = ANY($2::text[])", [
        at(0),
        list,
      ]);
    });
  }

  async leaseOwners(): Promise<string[]> {
    const rows = await this.#db.rows<{ owner: string }>(
      `SELECT lease_owner AS owner FROM turns WHERE state = 'running' AND lease_owner IS NOT NULL
       UNION SELECT lease_owner FROM outbox WHERE state = 'sending' AND lease_owner IS NOT NULL`,
    );
    return rows.map((row) => row.owner);
  }

  async release(turnId: number, options: { afterMs?: number; refund?: boolean } = {}): Promise<void> {
    const until = options.afterMs === undefined ? 0 : this.#now() + options.afterMs;
    await this.#db.run(
      "UPDATE turns SET lease_until = $1, attempts = GREATEST(attempts - $2, 0) WHERE id = $3 AND state = 'running'",
      [at(until), options.refund ? 1 : 0, turnId],
    );
  }

  async setStream(turnId: number, messageId: string | null): Promise<void> {
    await this.#db.run("UPDATE turns SET stream_message_id = $1 WHERE id = $2", [messageId, turnId]);
  }

  async setPreview(turnId: number, messageId: string | null, text: string | null): Promise<void> {
    await this.#db.run("UPDATE turns SET preview_message_id = $1, preview_text = $2 WHERE id = $3", [
      messageId,
      text,
      turnId,
    ]);
  }
}
