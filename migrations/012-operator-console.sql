-- The operator console: a session's sharing (NULL: as its conversation is, private or shared),
-- signed-in operators' cookie sessions (only a hash of the cookie is kept), sign-in attempts
-- (the rate limit every instance sees) and the audit log of changes made by operators and admins.
ALTER TABLE sessions ADD COLUMN sharing TEXT CHECK (sharing IN ('private', 'shared'));

CREATE TABLE console_sessions (
  token_hash TEXT PRIMARY KEY,
  operator TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

CREATE TABLE console_sign_ins (
  id INTEGER PRIMARY KEY,
  client TEXT NOT NULL,
  ok INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX console_sign_ins_client ON console_sign_ins (client, at);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
