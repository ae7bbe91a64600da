-- A file a tool sends to the chat (send_file): its bytes wait in the files folder beside the database,
-- this JSON ({path, name, mimeType, size}) says which; the row's text is the caption. Uploaded by the
-- outbox like any reply, so exactly once across restarts.
ALTER TABLE outbox ADD COLUMN file TEXT;
