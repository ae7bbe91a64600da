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
import { type Db, statementCache } from "./database.js";
import type { SqliteIntakeStore } from "./intake-store.js";
import { type OutboxDbRow, type TurnDbRow, toOutbox, toTurn } from "./rows.js";
import type { SqliteSessionStore } from "./session-store.js";

/** Trigger runs and state: firing (session + queued prompt + run in one transaction), ending, history. */
export class SqliteTriggerStore implements TriggerRepository {
  readonly #db: Db;
  readonly #sql: ReturnType<typeof statementCache>;
  readonly #now: Clock;
  readonly #sessions: SqliteSessionStore;
  readonly #intake: SqliteIntakeStore;

  constructor(db: Db, now: Clock, parts: { sessions: SqliteSessionStore; intake: SqliteIntakeStore }) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#now = now;
    this.#sessions = parts.sessions;
    this.#intake = parts.intake;
  }

  /**
   * Records a firing. Unless a guard holds (then it is a recorded skip), it
   * creates the run's session and queues the prompt, in the same transaction.
   */
  async fire(input: FireInput): Promise<FireOutcome> {
    return this.#db.transaction(() => this.#fireSync(input)).immediate();
  }

  #fireSync(input: FireInput): FireOutcome {
    const now = this.#now();
    if (input.idempotencyKey !== undefined) {
      const first = this.#sql<[string, string], RunRow>(
        "SELECT * FROM trigger_runs WHERE trigger_name = ? AND idempotency_key = ?",
      ).get(input.trigger, input.idempotencyKey);
      if (first) return { run: toRun(first), duplicate: true };
    }
    const skip = this.#skipReason(input.trigger, input.guards, now);
    const insert = this.#sql(
      `INSERT INTO trigger_runs (id, trigger_name, source, status, payload, idempotency_key, session_id, inbound_id,
         error, fired_at, finished_at)
       VALUES (@id, @trigger, @source, @status, @payload, @key, @session, @inbound, @error, @now, @finished)`,
    );
    const id = shortId("r", 10);
    const base = { id, trigger: input.trigger, source: input.source, payload: input.payload, now };
    const key = input.idempotencyKey ?? null;
    if (skip) {
      insert.run({ ...base, key, status: "skipped", session: null, inbound: null, error: skip, finished: now });
      return { run: this.#mustGet(id), duplicate: false };
    }
    const session = this.#sessions.createSync({ ...input.session, detached: true });
    const inbound = this.#intake.insertInboundSync(session, {
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
    insert.run({ ...base, key, status: "running", session: session.id, inbound, error: null, finished: null });
    return { run: this.#mustGet(id), duplicate: false };
  }

  #skipReason(trigger: string, guards: readonly FireGuard[], now: number): string | undefined {
    const state = this.#stateSync(trigger);
    if (guards.includes("paused") && state.paused) return "paused";
    if (guards.includes("running")) {
      const running = this.#sql<[string], { id: string }>(
        "SELECT id FROM trigger_runs WHERE trigger_name = ? AND status = 'running' LIMIT 1",
      ).get(trigger);
      if (running) return `the previous run (${running.id}) is still going`;
    }
    if (guards.includes("backoff") && state.backoffUntil !== null && state.backoffUntil > now) {
      return `backing off after ${state.failures} failed runs`;
    }
    return undefined;
  }

  /** Running runs whose turn ended and whose replies were delivered (or gave up), or whose session is gone. */
  async ended(): Promise<EndedRun[]> {
    const rows = this.#sql<[], RunRow & { turn_id: number | null }>(
      `SELECT r.*, i.turn_id FROM trigger_runs r LEFT JOIN inbound i ON i.id = r.inbound_id
       WHERE r.status = 'running' AND (
         i.id IS NULL OR (i.state IN ('answered', 'failed', 'dropped') AND NOT EXISTS (
           SELECT 1 FROM outbox o WHERE o.turn_id = i.turn_id AND o.state IN ('pending', 'sending'))))`,
    ).all();
    return rows.map((row) => {
      const turn =
        row.turn_id === null
          ? undefined
          : this.#sql<[number], TurnDbRow>("SELECT * FROM turns WHERE id = ?").get(row.turn_id);
      const result =
        row.turn_id === null
          ? undefined
          : this.#sql<[number], OutboxDbRow>(
              "SELECT * FROM outbox WHERE turn_id = ? AND kind IN ('answer', 'error', 'notice') ORDER BY id DESC LIMIT 1",
            ).get(row.turn_id);
      const session = row.session_id === null ? undefined : this.#sessions.getSync(row.session_id);
      return {
        run: toRun(row),
        session,
        turn: turn ? toTurn(turn) : undefined,
        result: result ? toOutbox(result) : undefined,
      };
    });
  }

  /**
   * Ends a running run: its status, the session moved to the thread its result
   * started and archived if asked, and the trigger's failure count and back-off,
   * in one transaction. False when the run had already ended.
   */
  async finish(runId: string, ending: RunEnding): Promise<boolean> {
    const now = this.#now();
    return this.#db
      .transaction(() => {
        const run = this.#sql<[string], RunRow>("SELECT * FROM trigger_runs WHERE id = ? AND status = 'running'").get(
          runId,
        );
        if (!run) return false;
        this.#sql("UPDATE trigger_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?").run(
          ending.status,
          ending.error,
          now,
          runId,
        );
        const session = run.session_id === null ? undefined : this.#sessions.getSync(run.session_id);
        if (session && ending.threadKey) {
          this.#sql("UPDATE sessions SET conversation_key = ? WHERE id = ?").run(ending.threadKey, session.id);
          this.#sql(
            `INSERT INTO conversations (conversation_key, channel, session_id) VALUES (?, ?, ?)
             ON CONFLICT (conversation_key) DO UPDATE SET session_id = excluded.session_id`,
          ).run(ending.threadKey, session.channel, session.id);
        }
        if (session && ending.archive) {
          this.#sql("UPDATE sessions SET state = 'archived', archived_at = ?, updated_at = ? WHERE id = ?").run(
            now,
            now,
            session.id,
          );
        }
        const failures = ending.status === "failed" ? this.#stateSync(run.trigger_name).failures + 1 : 0;
        this.#sql(
          `INSERT INTO trigger_state (name, failures, backoff_until) VALUES (@name, @failures, @until)
           ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, backoff_until = excluded.backoff_until`,
        ).run({ name: run.trigger_name, failures, until: failures > 0 ? now + ending.backoffMs(failures) : null });
        return true;
      })
      .immediate();
  }

  async get(runId: string): Promise<TriggerRun | undefined> {
    const row = this.#sql<[string], RunRow>("SELECT * FROM trigger_runs WHERE id = ?").get(runId);
    return row ? toRun(row) : undefined;
  }

  /** A trigger's runs, newest first. */
  async history(trigger: string, limit = 20): Promise<TriggerRun[]> {
    return this.#sql<[string, number], RunRow>(
      "SELECT * FROM trigger_runs WHERE trigger_name = ? ORDER BY fired_at DESC, rowid DESC LIMIT ?",
    )
      .all(trigger, limit)
      .map(toRun);
  }

  /** Each trigger's newest run. */
  async lastRuns(): Promise<Map<string, TriggerRun>> {
    const rows = this.#sql<[], RunRow>(
      `SELECT * FROM trigger_runs r WHERE r.rowid = (
         SELECT MAX(x.rowid) FROM trigger_runs x WHERE x.trigger_name = r.trigger_name)`,
    ).all();
    return new Map(rows.map((row) => [row.trigger_name, toRun(row)]));
  }

  async state(trigger: string): Promise<TriggerState> {
    return this.#stateSync(trigger);
  }

  async setPaused(trigger: string, paused: boolean): Promise<void> {
    this.#sql(
      `INSERT INTO trigger_state (name, paused) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET paused = excluded.paused`,
    ).run(trigger, paused ? 1 : 0);
  }

  #stateSync(trigger: string): TriggerState {
    const row = this.#sql<[string], { paused: number; failures: number; backoff_until: number | null }>(
      "SELECT paused, failures, backoff_until FROM trigger_state WHERE name = ?",
    ).get(trigger);
    return { paused: row?.paused === 1, failures: row?.failures ?? 0, backoffUntil: row?.backoff_until ?? null };
  }

  #mustGet(id: string): TriggerRun {
    return toRun(this.#sql<[string], RunRow>("SELECT * FROM trigger_runs WHERE id = ?").get(id) as RunRow);
  }
}
