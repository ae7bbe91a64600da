-- Conversation control: cancelling turns across processes, access grants, steer/interrupt bookkeeping.

-- A stop or interrupt asked for by any process; the process running the turn acts on it.
ALTER TABLE turns ADD COLUMN cancel TEXT CHECK (cancel IN ('stop', 'interrupt'));

-- The transcript row of an inbound message, once copied: an interrupted turn's messages are
-- answered by the next turn without being copied twice.
ALTER TABLE inbound ADD COLUMN transcript_id INTEGER;

-- Principals admitted with `gateway access allow CHANNEL:ID` (users or chats), read on every message.
CREATE TABLE access_grants (
  principal TEXT PRIMARY KEY,
  granted_at INTEGER NOT NULL
);

-- When an unknown user was last told how to get admitted, so they are told once, not per message.
CREATE TABLE access_notices (
  principal TEXT PRIMARY KEY,
  notified_at INTEGER NOT NULL
);
