import type { RunSource, RunStatus, TriggerRun } from "./trigger-repository.js";

/** A trigger run as both backends store it (times in epoch ms), and its domain value. */
export interface RunRow {
  id: string;
  trigger_name: string;
  source: string;
  status: string;
  payload: string | null;
  idempotency_key: string | null;
  session_id: string | null;
  inbound_id: number | null;
  error: string | null;
  fired_at: number;
  finished_at: number | null;
}

export function toRun(row: RunRow): TriggerRun {
  return {
    id: row.id,
    trigger: row.trigger_name,
    source: row.source as RunSource,
    status: row.status as RunStatus,
    payload: row.payload,
    idempotencyKey: row.idempotency_key,
    sessionId: row.session_id,
    error: row.error,
    firedAt: row.fired_at,
    finishedAt: row.finished_at,
  };
}
