-- An answer a native stream (Slack chat.startStream) showed is stored with the stream's message as its
-- one part and left for the outbox to stop: stopping it is what makes it final, so it comes after the
-- answer is recorded and a crash between the two marks the stream interrupted instead of showing the
-- answer twice. (PostgreSQL migration 010.)
ALTER TABLE outbox ADD COLUMN ends_stream INTEGER NOT NULL DEFAULT 0;
