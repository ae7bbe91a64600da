-- What a channel still has to fetch for a stored message (Slack: shared files, the sender's name,
-- a thread's earlier messages), as the channel's own JSON. The platform is acknowledged as soon as
-- the message is stored; the turn that answers it fetches these first and clears the column.
ALTER TABLE inbound ADD COLUMN deferred TEXT;
