-- Tool calls under an `ask` policy wait here for a person's decision (or a trigger's rule). A turn
-- that waits keeps its state in this row, so a restarted gateway finds the request again, the
-- buttons still decide it, and an approved call runs once (`ran_at`).
CREATE TABLE tool_approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  turn_id INTEGER NOT NULL,
  tool_call_id TEXT NOT NULL,
  tool_name TEXT NOT NULL,
  summary TEXT NOT NULL,
  decider TEXT,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'denied')),
  always INTEGER NOT NULL DEFAULT 0,
  decided_by TEXT,
  reason TEXT,
  outbox_id INTEGER,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
  ran_at INTEGER,
  UNIQUE (turn_id, tool_call_id)
);
CREATE INDEX tool_approvals_by_session ON tool_approvals (session_id, state);
