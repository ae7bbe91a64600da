-- What a channel still has to fetch for a stored message (Slack: shared files, the sender's name,
-- a thread's earlier messages), as the channel's own JSON, kept as its text. The platform is
-- acknowledged as soon as the message is stored; the turn that answers it fetches these first and
-- clears the column. (SQLite migration 009.)
ALTER TABLE inbound ADD COLUMN deferred text;
