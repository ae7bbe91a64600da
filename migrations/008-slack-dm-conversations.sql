-- A Slack DM becomes one running conversation keyed `slack:TEAM:DCHANNEL` (it was one session per
-- top-level message, keyed by its ts). Each DM's newest session that is not archived becomes the
-- DM's current one; the others stay in the DM's list (inactive, or archived as they were), so
-- `sessions` shows them and `resume` brings them back. Trigger sessions keep their threads.
CREATE TEMP TABLE dm_moves AS
WITH parts AS (
  SELECT id, state, updated_at, conversation_key AS old_key, substr(conversation_key, 7) AS rest
  FROM sessions
  WHERE channel = 'slack' AND origin = 'chat' AND conversation_key LIKE 'slack:%:D%:%'
), split AS (
  SELECT id, state, updated_at, old_key,
    substr(rest, 1, instr(rest, ':') - 1) AS team,
    substr(rest, instr(rest, ':') + 1) AS tail
  FROM parts
  WHERE instr(rest, ':') > 1
), keyed AS (
  SELECT id, state, updated_at, old_key,
    'slack:' || team || ':' || substr(tail, 1, instr(tail, ':') - 1) AS new_key
  FROM split
  WHERE substr(tail, 1, 1) = 'D' AND instr(tail, ':') > 1
    AND instr(substr(tail, instr(tail, ':') + 1), ':') = 0
)
SELECT id, state, old_key, new_key,
  state != 'archived' AND ROW_NUMBER() OVER (
    PARTITION BY new_key, state = 'archived' ORDER BY updated_at DESC, id DESC
  ) = 1 AS newest
FROM keyed;

DELETE FROM conversations WHERE conversation_key IN (SELECT old_key FROM dm_moves);

UPDATE sessions SET conversation_key = (SELECT new_key FROM dm_moves m WHERE m.id = sessions.id)
WHERE id IN (SELECT id FROM dm_moves);

UPDATE sessions SET state = 'inactive'
WHERE state = 'active' AND id IN (SELECT id FROM dm_moves WHERE NOT newest);

INSERT INTO conversations (conversation_key, channel, session_id)
SELECT new_key, 'slack', id FROM dm_moves WHERE newest
ON CONFLICT (conversation_key) DO NOTHING;

DROP TABLE dm_moves;
