-- Triggers: every firing of a schedule, a webhook or `gateway triggers run`, and each trigger's run-time state.

-- One row per firing. A started run owns a fresh session (origin 'trigger') and the inbound row its
-- prompt waits in; a skipped one (its previous run still going, paused, backing off) owns neither.
CREATE TABLE trigger_runs (
  id TEXT PRIMARY KEY,
  trigger_name TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('schedule', 'webhook', 'manual')),
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'skipped')),
  payload TEXT,
  -- A webhook's Idempotency-Key, or a schedule's due time: the same key returns the first run.
  idempotency_key TEXT,
  session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
  inbound_id INTEGER,
  error TEXT,
  fired_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE UNIQUE INDEX trigger_runs_idempotency ON trigger_runs (trigger_name, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX trigger_runs_by_trigger ON trigger_runs (trigger_name, fired_at);
CREATE INDEX trigger_runs_running ON trigger_runs (status) WHERE status = 'running';

-- Pause (`gateway triggers pause`) and the back-off after consecutive failed runs.
CREATE TABLE trigger_state (
  name TEXT PRIMARY KEY,
  paused INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  backoff_until INTEGER
);
