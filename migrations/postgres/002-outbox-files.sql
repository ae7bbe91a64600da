-- A file a tool sends to the chat (send_file): its bytes wait in the gateway's files folder,
-- and this JSON ({path, name, mimeType, size}) says which; the row's text is the caption.
-- Uploaded by the outbox like any reply, so exactly once across restarts. (SQLite migration 007.)
ALTER TABLE outbox ADD COLUMN file jsonb;
