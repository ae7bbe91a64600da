-- The send pace of each conversation, shared by every process on the database (see
-- src/store/pace-repository.ts): the next free send slot and a 429 hold, epoch ms.
-- (PostgreSQL migration 008.)
CREATE TABLE chat_pace (
  conversation_key TEXT PRIMARY KEY,
  next_at INTEGER NOT NULL,
  held_until INTEGER
);
