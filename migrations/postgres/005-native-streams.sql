-- The message a turn streams natively (Slack chat.startStream), stored when the stream opens, so
-- that after a crash the next process stops it and marks it interrupted before answering again.
-- (SQLite migration 010.)
ALTER TABLE turns ADD COLUMN stream_message_id text;
