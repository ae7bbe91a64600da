-- A Slack DM becomes one running conversation keyed `slack:TEAM:DCHANNEL` (it was one session per
-- top-level message, keyed by its ts). Each DM's newest session that is not archived becomes the
-- DM's current one; the others stay in the DM's list (inactive, or archived as they were), so
-- `sessions` shows them and `resume` brings them back. Trigger sessions keep their threads.
-- (SQLite migration 008; the same rows move: exactly four parts, a team, a D channel.)
CREATE TEMP TABLE dm_moves ON COMMIT DROP AS
WITH keyed AS (
  SELECT id, state, updated_at, conversation_key AS old_key,
    'slack:' || split_part(conversation_key, ':', 2) || ':' || split_part(conversation_key, ':', 3) AS new_key
  FROM sessions
  WHERE channel = 'slack' AND origin = 'chat' AND conversation_key ~ '^slack:[^:]+:D[^:]*:[^:]*$'
)
SELECT id, state, old_key, new_key,
  state <> 'archived' AND ROW_NUMBER() OVER (
    -- Ids compared byte by byte, as SQLite does, whatever the database's collation.
    PARTITION BY new_key, state = 'archived' ORDER BY updated_at DESC, id COLLATE "C" DESC
  ) = 1 AS newest
FROM keyed;

DELETE FROM conversations WHERE conversation_key IN (SELECT old_key FROM dm_moves);

UPDATE sessions s SET conversation_key = m.new_key FROM dm_moves m WHERE m.id = s.id;

UPDATE sessions SET state = 'inactive'
WHERE state = 'active' AND id IN (SELECT id FROM dm_moves WHERE NOT newest);

INSERT INTO conversations (conversation_key, channel, session_id)
SELECT new_key, 'slack', id FROM dm_moves WHERE newest
ON CONFLICT (conversation_key) DO NOTHING;
