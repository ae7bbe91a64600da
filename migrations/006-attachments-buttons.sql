-- Files a user sent with a message travel with it into the transcript, so every later model call
-- sees them (JSON array of attachments: images as base64, text files inlined).
ALTER TABLE messages ADD COLUMN attachments TEXT;

-- Choices shown as buttons under a reply where the platform has them (JSON array of {label, command}).
ALTER TABLE outbox ADD COLUMN buttons TEXT;
