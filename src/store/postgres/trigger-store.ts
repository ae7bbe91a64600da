import { type Clock, shortId } from "../../ids.js";
import type {
  EndedRun,
  FireGuard,
  FireInput,
  FireOutcome,
  RunEnding,
  TriggerRepository,
  TriggerRun,
  TriggerState,
} from "../trigger-repository.js";
import { type RunRow, toRun } from "../trigger-run-row.js";
import { insertInbound } from "./intake-store.js";
import { at, type PgDatabase, type Sql } from "./pg-database.js";
import { type OutboxDbRow, type TurnDbRow, toOutbox, toTurn } from "./pg-rows.js";
import { createSession, getSession, lockConversation, setCurrent } from "./pg-sessions.js";

const runColumns = `r.id, r.trigger_name, r.source, r.status, r.payload, r.idempotency_key, r.session_id,
  r.inbound_id, r.error, r.fired_at, r.finished_at`;

/** Trigger runs and state: firing (session + queued prompt + run in one transaction), ending, history. */
export class PgTriggerStore implements TriggerRepository {
  readonly #db: PgDatabase;
  readonly #now: Clock;

  constructor(db: PgDatabase, now: Clock) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Records a firing under the trigger's advisory lock, so two processes firing it at once see
   * each other's run (the idempotency key and the "running" guard hold across processes).
   */
  fire(input: FireInput): Promise<FireOutcome> {
    return this.#db.transaction(async (sql) => {
      await sql.run("SELECT pg_advisory_xact_lock(hashtext($1))", [`trigger:${input.trigger}`]);
      const now = this.#now();
      if (input.idempotencyKey !== undefined) {
        const first = await sql.one<RunRow>(
          `SELECT ${runColumns} FROM trigger_runs r WHERE r.trigger_name = $1 AND r.idempotency_key = $2`,
          [input.trigger, input.idempotencyKey],
        );
        if (first) return { run: toRun(first), duplicate: true };
      }
      const skip = await skipReason(sql, input.trigger, input.guards, now);
      const id = shortId("r", 10);
      const insert = (status: string, session: string | null, inbound: number | null, error: string | null) =>
        sql.run(
          `INSERT INTO trigger_runs (id, trigger_name, source, status, payload, idempotency_key, session_id, inbound_id,
             error, fired_at, finished_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            id,
            input.trigger,
            input.source,
            status,
            input.payload,
            input.idempotencyKey ?? null,
            session,
            inbound,
            error,
            at(now),
            status === "skipped" ? at(now) : null,
          ],
        );
      if (skip) {
        await insert("skipped", null, null, skip);
        return { run: await mustGetRun(sql, id), duplicate: false };
      }
      const session = await createSession(sql, now, { ...input.session, detached: true });
      const inbound = await insertInbound(sql, now, session, {
        channel: session.channel,
        conversationKey: session.conversationKey,
        senderId: input.prompt.senderId,
        senderName: input.prompt.senderName,
        text: input.prompt.text,
        attachments: null,
        platformMessageId: null,
        replyToMessageId: null,
        addressed: true,
        deliveryKeys: [],
      });
      await insert("running", session.id, inbound, null);
      return { run: await mustGetRun(sql, id), duplicate: false };
    });
  }

  async ended(): Promise<EndedRun[]> {
    const rows = await this.#db.rows<RunRow & { turn_id: number | null }>(
      `SELECT ${runColumns}, i.turn_id FROM trigger_runs r LEFT JOIN inbound i ON i.id = r.inbound_id
       WHERE r.status = 'running' AND (
         i.id IS NULL OR (i.state IN ('answered', 'failed', 'dropped') AND NOT EXISTS (
           SELECT 1 FROM outbox o WHERE o.turn_id = i.turn_id AND o.state IN ('pending', 'sending'))))
       ORDER BY r.seq`,
    );
    const ended: EndedRun[] = [];
    for (const row of rows) {
      const turn =
        row.turn_id === null
          ? undefined
          : await this.#db.one<TurnDbRow>("SELECT * FROM turns WHERE id = $1", [row.turn_id]);
      const result =
        row.turn_id === null
          ? undefined
          : await this.#db.one<OutboxDbRow>(
              `SELECT * FROM outbox WHERE turn_id = $1 AND kind IN ('answer', 'error', 'notice')
               ORDER BY id DESC LIMIT 1`,
              [row.turn_id],
            );
      const session = row.session_id === null ? undefined : await getSession(this.#db, row.session_id);
      ended.push({
        run: toRun(row),
        session,
        turn: turn ? toTurn(turn) : undefined,
        result: result ? toOutbox(result) : undefined,
      });
    }
    return ended;
  }

  finish(runId: string, ending: RunEnding): Promise<boolean> {
    const now = this.#now();
    return this.#db.transaction(async (sql) => {
      const run = await sql.one<RunRow>(
        `SELECT ${runColumns} FROM trigger_runs r WHERE r.id = $1 AND r.status = 'running' FOR UPDATE`,
        [runId],
      );
      if (!run) return false;
      await sql.run("UPDATE trigger_runs SET status = $1, error = $2, finished_at = $3 WHERE id = $4", [
        ending.status,
        ending.error,
        at(now),
        runId,
      ]);
      const session = run.session_id === null ? undefined : await getSession(sql, run.session_id);
      if (session && ending.threadKey) {
        await lockConversation(sql, ending.threadKey);
        await sql.run("UPDATE sessions SET conversation_key = $1 WHERE id = $2", [ending.threadKey, session.id]);
        await setCurrent(sql, ending.threadKey, session.channel, session.id);
      }
      if (session && ending.archive) {
        await sql.run("UPDATE sessions SET state = 'archived', archived_at = $1, updated_at = $1 WHERE id = $2", [
          at(now),
          session.id,
        ]);
      }
      await sql.run("SELECT pg_advisory_xact_lock(hashtext($1))", [`trigger:${run.trigger_name}`]);
      const failures = ending.status === "failed" ? (await stateOf(sql, run.trigger_name)).failures + 1 : 0;
      await sql.run(
        `INSERT INTO trigger_state (name, failures, backoff_until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, backoff_until = excluded.backoff_until`,
        [run.trigger_name, failures, failures > 0 ? at(now + ending.backoffMs(failures)) : null],
      );
      return true;
    });
  }

  async get(runId: string): Promise<TriggerRun | undefined> {
    const row = await this.#db.one<RunRow>(`SELECT ${runColumns} FROM trigger_runs r WHERE r.id = $1`, [runId]);
    return row ? toRun(row) : undefined;
  }

  async history(trigger: string, limit = 20): Promise<TriggerRun[]> {
    const rows = await this.#db.rows<RunRow>(
      `SELECT ${runColumns} FROM trigger_runs r WHERE r.trigger_name = $1 ORDER BY r.fired_at DESC, r.seq DESC LIMIT $2`,
      [trigger, limit],
    );
    return rows.map(toRun);
  }

  async lastRuns(): Promise<Map<string, TriggerRun>> {
    const rows = await this.#db.rows<RunRow>(
      `SELECT DISTINCT ON (r.trigger_name) ${runColumns} FROM trigger_runs r ORDER BY r.trigger_name, r.seq DESC`,
    );
    return new Map(rows.map((row) => [row.trigger_name, toRun(row)]));
  }

  state(trigger: string): Promise<TriggerState> {
    return stateOf(this.#db, trigger);
  }

  async setPaused(trigger: string, paused: boolean): Promise<void> {
    await this.#db.run(
      `INSERT INTO trigger_state (name, paused) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET paused = excluded.paused`,
      [trigger, paused],
    );
  }
}

async function skipReason(
  sql: Sql,
  trigger: string,
  guards: readonly FireGuard[],
  now: number,
): Promise<string | undefined> {
  const state = await stateOf(sql, trigger);
  if (guards.includes("paused") && state.paused) return "paused";
  if (guards.includes("running")) {
    const running = await sql.one<{ id: string }>(
      "SELECT id FROM trigger_runs WHERE trigger_name = $1 AND status = 'running' LIMIT 1",
      [trigger],
    );
    if (running) return `the previous run (${running.id}) is still going`;
  }
  if (guards.includes("backoff") && state.backoffUntil !== null && state.backoffUntil > now) {
    return `backing off after ${state.failures} failed runs`;
  }
  return undefined;
}

async function stateOf(sql: Sql, trigger: string): Promise<TriggerState> {
  const row = await sql.one<{ paused: boolean; failures: number; backoff_until: number | null }>(
    "SELECT paused, failures, backoff_until FROM trigger_state WHERE name = $1",
    [trigger],
  );
  return { paused: row?.paused ?? false, failures: row?.failures ?? 0, backoffUntil: row?.backoff_until ?? null };
}

async function mustGetRun(sql: Sql, id: string): Promise<TriggerRun> {
  const row = await sql.one<RunRow>(`SELECT ${runColumns} FROM trigger_runs r WHERE r.id = $1`, [id]);
  if (!row) throw new Error(`trigger run ${id} vanished`);
  return toRun(row);
}
