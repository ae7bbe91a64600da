-- Memory: durable, typed notes the agent reads at the start of a session and searches with tools;
-- and the summaries that compaction writes over the oldest part of a long transcript.

-- `scope` is the workspace a note belongs to: a Slack team (`slack:T1`), a Telegram chat
-- (`telegram:12345`), the CLI (`cli`). A `user` note belongs to `user_id` across scopes; for the
-- other types `user_id` is who saved it. Sources are kept as plain values: a note outlives its session.
CREATE TABLE memories (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('project', 'user', 'decision')),
  scope TEXT NOT NULL,
  user_id TEXT,
  expert TEXT,
  content TEXT NOT NULL,
  source_session_id TEXT,
  source_message_id INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX memories_by_scope ON memories (scope, type, updated_at);
CREATE INDEX memories_by_user ON memories (user_id, type, updated_at);

CREATE VIRTUAL TABLE memories_fts USING fts5 (
  content,
  content = 'memories',
  content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
  INSERT INTO memories_fts (rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
  INSERT INTO memories_fts (rowid, content) VALUES (new.rowid, new.content);
END;

-- A `summary` message stands for every message of its session up to this id; the messages stay.
ALTER TABLE messages ADD COLUMN covers_through INTEGER;
