-- chat-gateway schema, version 1. Times are Unix epoch milliseconds.

-- A conversation key (telegram:12345, slack:T1:C1:1700000000.0001, cli:s_abc123)
-- points at its current session; older sessions of the key stay, inactive.
CREATE TABLE conversations (
  conversation_key TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  conversation_key TEXT NOT NULL,
  expert TEXT NOT NULL,
  title TEXT,
  owner TEXT,
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'inactive', 'archived')),
  origin TEXT NOT NULL CHECK (origin IN ('chat', 'trigger', 'cli')),
  mode TEXT CHECK (mode IN ('collect', 'followup', 'steer', 'interrupt')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  archived_at INTEGER
);
CREATE INDEX sessions_by_key ON sessions (conversation_key, updated_at);
CREATE INDEX sessions_by_state ON sessions (state, updated_at);
CREATE INDEX sessions_archived ON sessions (archived_at) WHERE archived_at IS NOT NULL;

-- One row a turn: the agent answering what was pending in one session.
CREATE TABLE turns (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  expert TEXT NOT NULL,
  model TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'running'
    CHECK (state IN ('running', 'completed', 'failed', 'cancelled', 'interrupted')),
  attempts INTEGER NOT NULL DEFAULT 1,
  lease_owner TEXT,
  lease_until INTEGER,
  -- The streamed preview shown while the turn runs, so a restart can mark it interrupted.
  preview_message_id TEXT,
  preview_text TEXT,
  error TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX turns_by_session ON turns (session_id, state);
CREATE INDEX turns_running ON turns (state, lease_until) WHERE state = 'running';

-- The ordered transcript. Tool calls and results are rows of their own; `step`
-- groups an assistant message with the tool calls it made.
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('system', 'user', 'assistant', 'tool_call', 'tool_result', 'summary')),
  content TEXT NOT NULL,
  step INTEGER,
  tool_call_id TEXT,
  tool_name TEXT,
  tool_ok INTEGER,
  sender_id TEXT,
  sender_name TEXT,
  platform_message_id TEXT,
  expert TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_by_session ON messages (session_id, id);

CREATE VIRTUAL TABLE messages_fts USING fts5 (
  content,
  content = 'messages',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN new.kind IN ('user', 'assistant', 'summary') BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.kind IN ('user', 'assistant', 'summary') BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
WHEN old.kind IN ('user', 'assistant', 'summary') BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;

-- Accepted inbound messages. They are marked answered, never deleted on answer.
CREATE TABLE inbound (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  conversation_key TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  sender_name TEXT,
  text TEXT NOT NULL,
  attachments TEXT,
  platform_message_id TEXT,
  reply_to_message_id TEXT,
  addressed INTEGER NOT NULL DEFAULT 1,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'answered', 'dropped', 'failed')),
  turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
  received_at INTEGER NOT NULL,
  answered_at INTEGER
);
CREATE INDEX inbound_by_session ON inbound (session_id, state, id);
CREATE INDEX inbound_by_turn ON inbound (turn_id);
CREATE INDEX inbound_waiting ON inbound (state, session_id);

-- Deduplication keys (Slack event_id, channel+ts; Telegram update_id, chat+message id).
-- Kept apart from inbound so they outlive pruned sessions; they live at least 7 days.
CREATE TABLE delivery_keys (
  key TEXT PRIMARY KEY,
  inbound_id INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX delivery_keys_age ON delivery_keys (created_at);

-- Replies waiting to go out, going out, or gone.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
  turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
  channel TEXT NOT NULL,
  conversation_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('answer', 'notice', 'error', 'edit')),
  text TEXT NOT NULL,
  reply_to_message_id TEXT,
  -- A preview message the first part replaces (edited) instead of sending anew.
  edit_message_id TEXT,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  -- JSON array of the parts already sent, so a restart continues with the next part.
  platform_message_ids TEXT NOT NULL DEFAULT '[]',
  error TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_conversation ON outbox (conversation_key, state, id);

-- The bot's own platform messages, so a reply to one routes to its session.
CREATE TABLE platform_messages (
  channel TEXT NOT NULL,
  platform_message_id TEXT NOT NULL,
  conversation_key TEXT NOT NULL,
  session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (channel, platform_message_id)
);

-- Token usage per model call group (one row a turn), kept when sessions are pruned.
CREATE TABLE usage (
  id INTEGER PRIMARY KEY,
  session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
  turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
  expert TEXT NOT NULL,
  model TEXT NOT NULL,
  user_id TEXT,
  trigger_name TEXT,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX usage_by_session ON usage (session_id);
CREATE INDEX usage_by_time ON usage (created_at);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
